"""Server-rendered pages (Jinja + HTMX) for coordinators, chairs, agency representatives and referrers.

``marac.web.pages`` mounts every page at the site root behind one router (login guard, role guard,
HTML errors, HTMX requests); ``marac.web.setup`` gives ``create_app`` the Jinja engine.

Adding a page
-------------
1. A topic module (``marac/web/<topic>.py``) exposing ``ROUTE_HANDLERS``; add its name to
   ``TOPIC_MODULES`` in ``marac/web/pages.py``.
2. Handlers take ``page: PageContext`` (so no query parameter may be called ``page``) plus ``db``,
   ``clock``, ``actor``, ``runtime``; they say who may open them with ``opt={"roles": COORDINATORS}``
   (``marac.web.nav`` has the role sets) and answer with ``shell.render(page, "x.html", ...)`` or, after
   a form, ``shell.redirect(runtime, "/x", flash="Saved.")``.
3. Forms: ``submitted = await FormInput.read(request)``, then ``keep_form(request, page, "x.html",
   submitted, **plain_context)`` before ``submitted.parse(SchemaCreate, hints=...)`` and the service
   call: any domain error re-renders that template with ``form`` holding the values and a message per
   field.  Templates extend ``base.html`` and use the macros of ``_macros.html`` (``ui.input``,
   ``ui.select``, ``ui.checkboxes``, ``ui.error_summary``, ``ui.csrf``).
4. Navigation: the entry is already in ``marac.web.nav.NAV`` (or add one); it appears once the path is
   served.  Dashboard: a panel in ``marac.web.dashboard.PANELS`` names ``"module:function"``; provide
   that async function returning ``PanelContent`` and the placeholder is replaced.
5. No identifying data in URLs: ids only, never names, dates of birth or references in query strings.
"""
