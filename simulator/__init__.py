"""A stateful fake mSpace gateway: the demo's gateway, and the one tests and benchmarks use.

- `gateway.answer(path)`: the behaviour (replies word for word as the gateway document has
  them); `transport.SimulatorAdapter` serves it in-process to requests, `views.gateway` over
  HTTP (mounted at mspaceservice/wr/sms/ in demo mode).
- `faults.inject(method, kind, ...)` / `faults.clear()`: misbehaviour on demand (also
  `manage.py simulator_fault`).
- `seed.make_account(...)` builds a test world; `seed.seed_demo()` the demo (`manage.py
  seed_simulator`).
- `models.SimCall`: a journal of every call received, to hold the app's ledger against.
"""
