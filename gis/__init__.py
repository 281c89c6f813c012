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
- ``gis.area``         ellipsoidal areas of polygons in square metres
- ``gis.proximity``    metres from a point to a footprint (0 inside it)
- ``gis.flags``        the :class:`Flag` every spatial warning is reported as
- ``gis.routing``      the one station whose polygon contains a point, else the county desk
- ``gis.linking``      ranking candidate enterprises by distance and fit to a category
- ``gis.plausibility`` flags for doubtful visit positions (never refusals)

Nothing here imports Flask, marshmallow or any other fieldsync package, so it can be
unit-tested without an application or a database.  Submodules are not imported eagerly:
``import gis.errors`` must not pull in SQLAlchemy.
"""
