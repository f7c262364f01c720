"""The CDP console: dashboards and a profile explorer for the people who are not engineers.

A server-rendered Starlette app (`app.create_app`) reading the published analytics copy read-only, with its own
small store of users and the audit log under `$CDP_HOME/console/` (`store.py`). `cdp console` serves it
(`server.serve`); `cdp console add-user` adds its users (`users.add_user`). Modules are imported where used: the
`cdp` command loads none of the web stack unless it serves the console.
"""
