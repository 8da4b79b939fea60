"""Full-text search over the whole archive, built with the site, working from any host.

Recall equals substring search: a query finds exactly the articles whose title or text
contains it. `index` writes the index files; ``templates/static/search.js`` reads them.
"""
