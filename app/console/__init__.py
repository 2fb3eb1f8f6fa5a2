"""The coordinators' web console (/console/): today's work, actions, lists, charts and exports.

Served through the session door of app/web/registry.py (login pages through the public one). Views
call the same models/ functions the chat commands call and render catalogue texts
(bots/catalog/zh_CN/console_web.yaml); they hold no rule of their own.
"""
