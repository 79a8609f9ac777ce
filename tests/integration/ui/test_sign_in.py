"""Sign-in, session cookie, CSRF on every form, sign-out."""

from __future__ import annotations

from tests.integration.ui.conftest import PASSWORD, USERNAME, Ui, UiFactory, csrf_token


async def test_pages_need_a_signed_in_session(ui: Ui) -> None:
    for path in ("/ui/partners", "/ui/documents", "/ui/partners/new", "/ui/documents/x"):
        response = await ui.client.get(path, allow_redirects=False)
        assert response.status == 303
        assert response.headers["Location"].startswith("/ui/sign-in?next=")
    posted = await ui.client.post("/ui/partners/new", data={"name": "x"},
                                  allow_redirects=False)
    assert posted.status == 303
    assert posted.headers["Location"] == "/ui/sign-in"
    stylesheet = await ui.client.get("/ui/static/admin.css")
    assert stylesheet.status == 200
    assert stylesheet.content_type == "text/css"


async def test_sign_in_sets_a_strict_http_only_cookie(ui: Ui) -> None:
    wrong = await ui.sign_in(password="not the password")
    assert wrong.status == 401
    assert "unknown username or wrong password" in await wrong.text()
    unknown = await ui.sign_in(username="nobody")
    assert unknown.status == 401
    assert "unknown username or wrong password" in await unknown.text()

    response = await ui.sign_in()
    assert response.status == 303
    assert response.headers["Location"] == "/ui/partners"
    cookie = next(c for c in response.headers.getall("Set-Cookie")
                  if c.startswith("gw_ui_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Path=/ui" in cookie
    assert "Secure" not in cookie  # plain HTTP test server
    page = await ui.client.get("/ui/partners")
    assert page.status == 200
    assert USERNAME in await page.text()
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"


async def test_cookie_is_secure_behind_https(make_ui: UiFactory) -> None:
    ui = await make_ui(public_url="https://gateway.example")
    form = await ui.client.get("/ui/sign-in")
    assert "Secure" in form.headers["Set-Cookie"]
    token = csrf_token(await form.text())
    # A browser sends Secure cookies only over HTTPS; the test server is plain HTTP.
    response = await ui.client.post("/ui/sign-in", allow_redirects=False, cookies={
        "gw_ui_csrf": token}, data={"csrf_token": token, "username": USERNAME,
                                    "password": PASSWORD})
    assert response.status == 303
    cookie = next(c for c in response.headers.getall("Set-Cookie")
                  if c.startswith("gw_ui_session="))
    assert "Secure" in cookie


async def test_sign_in_form_needs_its_csrf_cookie(ui: Ui) -> None:
    refused = await ui.client.post("/ui/sign-in", allow_redirects=False, data={
        "csrf_token": "0" * 64, "username": USERNAME, "password": PASSWORD})
    assert refused.status == 403
    assert "security token" in await refused.text()


async def test_every_form_needs_the_session_csrf_token(signed_in: Ui) -> None:
    ui = signed_in
    missing = await ui.client.post("/ui/partners/new", allow_redirects=False,
                                   data={"name": "Evil", "key_prefix": "evil"})
    assert missing.status == 403
    forged = await ui.client.post("/ui/partners/new", allow_redirects=False, data={
        "csrf_token": "a" * 64, "name": "Evil", "key_prefix": "evil"})
    assert forged.status == 403
    signed_out = await ui.client.post("/ui/sign-out", allow_redirects=False, data={})
    assert signed_out.status == 403
    listed = await ui.client.get("/ui/partners", params={"q": "Evil"})
    assert "No partner matches." in await listed.text()


async def test_sign_out_ends_the_session(signed_in: Ui) -> None:
    ui = signed_in
    session_cookie = ui.client.session.cookie_jar.filter_cookies(
        ui.client.make_url("/ui/"))["gw_ui_session"].value
    response = await ui.post("/ui/sign-out", {})
    assert response.status == 303
    assert response.headers["Location"] == "/ui/sign-in"
    again = await ui.client.get("/ui/partners", allow_redirects=False,
                                cookies={"gw_ui_session": session_cookie})
    assert again.status == 303


async def test_session_token_from_another_session_is_refused(make_ui: UiFactory) -> None:
    ui = await make_ui()
    await ui.sign_in()
    page = await (await ui.client.get("/ui/partners")).text()
    token = csrf_token(page)
    other = await make_ui(create_user=False)
    await other.sign_in()
    response = await other.client.post("/ui/partners/new", allow_redirects=False, data={
        "csrf_token": token, "name": "Cross", "key_prefix": "cross"})
    assert response.status == 403
