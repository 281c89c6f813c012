"""Geometry and spatial rules for fieldsync, free of any web framework.

The package is split into small modules, each with one job:

- ``gis.errors``       the one exception type (:class:`GeometryError`) and its codes
- ``gis.coordinates``  single lon/lat positions and GPS accuracy values
- ``gis.bbox``         bounding boxes (:class:`BBox`) and the ``bbox=`` query parameter
- ``gis.geojson``      GeoJSON geometry in (validated by hand) and out (rounded)
- ``gis.wkt``          WKT in (validated like GeoJSON) and EWKT out (safe for SpatiaLite)
- ``gis.shapes``       shapely-level checks shared by the GeoJSON and WKT readers
- ``gis.geometry``     the stable facade other packages import from
- ``gis.datum``        WGS-84 / GCJ-02 / BD-09 conversions for Chinese consumer maps
- ``gis.distance``     ellipsoidal distances and metre-to-degree box padding
- ``gis.spatial_sql``  SQL expressions that compile for PostGIS and for SpatiaLite

Nothing here imports Flask, marshmallow or any other fieldsync package, so it can be
unit-tested without an application or a database.  Submodules are not imported eagerly:
``import gis.errors`` must not pull in SQLAlchemy.
"""
