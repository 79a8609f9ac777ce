"""`gateway demo`: two real gateways on loopback trade an Order, an Order Response and an
Invoice, and the demo shows what happened.

* gateway.demo.processes: `gateway serve` as a child process (start, health, stop, kill -9);
  also used by the end-to-end tests and the benchmark.
* gateway.demo.client: a small client of the admin and partner APIs.
* gateway.demo.onboarding: onboards two gateways in each other (partners, identifiers, API
  keys, endpoints, capabilities), over the admin API only.
* gateway.demo.scenario: the two companies and the Order the buyer sends, built in code.
* gateway.demo.flow: the run itself; gateway.demo.summary: the printed report.
"""
