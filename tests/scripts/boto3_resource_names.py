"""Prints, as JSON, the Python names boto3 gives every resource type's
actions, batch actions, sub-resources, references, collections, waiters and
attributes, for the vendored models (models/<svc>/<ver>/), using boto3's own
ResourceModel (its xform_name and collision renames).

Usage: python3 boto3_resource_names.py MODELS_DIR SERVICE...
"""
import json
import os
import sys

from boto3.resources.model import ResourceModel
from botocore.model import ServiceModel


def main():
    models, services = sys.argv[1], sys.argv[2:]
    out = {}
    for svc in services:
        d = os.path.join(models, svc)
        ver = sorted(v for v in os.listdir(d) if os.path.isdir(os.path.join(d, v)))[-1]
        with open(os.path.join(d, ver, "resources-1.json")) as f:
            res = json.load(f)
        with open(os.path.join(d, ver, "service-2.json")) as f:
            sm = ServiceModel(json.load(f), service_name=svc)
        types = {}
        defs = [("ServiceResource", res["service"])] + sorted(res["resources"].items())
        for name, df in defs:
            rm = ResourceModel(name, df, res["resources"])
            shape = sm.shape_for(df["shape"]) if "shape" in df else None
            rm.load_rename_map(shape)
            types[name] = {
                "actions": sorted(a.name for a in rm.actions),
                "batch_actions": sorted(a.name for a in rm.batch_actions),
                "subresources": sorted(s.name for s in rm.subresources),
                "references": sorted(r.name for r in rm.references),
                "collections": sorted(c.name for c in rm.collections),
                "waiters": sorted(w.name for w in rm.waiters),
                "attributes": sorted(rm.get_attributes(shape)) if shape else [],
            }
        out[svc] = types
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


main()
