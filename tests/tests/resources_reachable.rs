//! Every entry of the nine `resources-1.json` files is generated and
//! reachable, under the name boto3 gives it.
//!
//! boto3's own `ResourceModel` (run by tests/scripts/boto3_resource_names.py
//! on the vendored models) names every action, batch action, sub-resource,
//! reference, collection, waiter and attribute, collision renames included;
//! each generated crate's `resource::INDEX` must list the same names, and
//! each listed method must be a `pub fn` of its type in the generated
//! `resource.rs` (batch actions: of `<Type>Collection`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use boto_runtime::resource::ResourceIndex;
use serde_json::Value as J;

const SERVICES: [(&str, &[ResourceIndex]); 9] = [
    ("cloudformation", &boto_cloudformation::resource::INDEX),
    ("cloudwatch", &boto_cloudwatch::resource::INDEX),
    ("dynamodb", &boto_dynamodb::resource::INDEX),
    ("ec2", &boto_ec2::resource::INDEX),
    ("glacier", &boto_glacier::resource::INDEX),
    ("iam", &boto_iam::resource::INDEX),
    ("s3", &boto_s3::resource::INDEX),
    ("sns", &boto_sns::resource::INDEX),
    ("sqs", &boto_sqs::resource::INDEX),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn boto3_names() -> J {
    let script = root().join("tests/scripts/boto3_resource_names.py");
    let mut cmd = Command::new("python3");
    cmd.arg(&script).arg(root().join("models"));
    cmd.args(SERVICES.iter().map(|(s, _)| *s));
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("running python3 failed ({e}): install Python 3 and boto3 (`cargo xtask test` does)")
    });
    assert!(
        out.status.success(),
        "{} failed: {}\nInstall boto3 with `python3 -m pip install boto3==1.43.11` (`cargo xtask test` does).",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn names(v: &J) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn rust(items: &[(&str, &str)]) -> BTreeSet<String> {
    items.iter().map(|(_, r)| r.to_string()).collect()
}

/// `pub fn` names per `impl` self type of a generated `resource.rs`.
fn methods(service: &str) -> BTreeMap<String, BTreeSet<String>> {
    let path = root().join(format!("generated/{service}/src/resource.rs"));
    let text = std::fs::read_to_string(&path).unwrap();
    let file = syn::parse_file(&text).unwrap();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(p) = &*imp.self_ty else {
            continue;
        };
        let ty = p.path.segments.last().unwrap().ident.to_string();
        for it in imp.items {
            if let syn::ImplItem::Fn(f) = it {
                if matches!(f.vis, syn::Visibility::Public(_)) {
                    let name = f.sig.ident.to_string();
                    let name = name.trim_start_matches("r#").to_owned();
                    out.entry(ty.clone()).or_default().insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn every_resource_entry_is_generated_under_boto3s_name() {
    let boto3 = boto3_names();
    let models = root().join("models");
    let mut totals = BTreeMap::<&str, usize>::new();
    for (service, index) in SERVICES {
        let expected = &boto3[service];
        let have: BTreeSet<&str> = index.iter().map(|r| r.name).collect();
        let want: BTreeSet<&str> = expected
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(have, want, "{service}: resource types");
        let fns = methods(service);
        for r in index {
            let e = &expected[r.name];
            let at = format!("{service} {}", r.name);
            assert_eq!(rust(r.actions), names(&e["actions"]), "{at}: actions");
            assert_eq!(
                rust(r.batch_actions),
                names(&e["batch_actions"]),
                "{at}: batch actions"
            );
            assert_eq!(
                rust(r.has_many),
                names(&e["collections"]),
                "{at}: collections"
            );
            assert_eq!(rust(r.waiters), names(&e["waiters"]), "{at}: waiters");
            // Members the runtime's model customizations add (S3's
            // `ExpiresString`, which botocore adds to parsed responses) are
            // attributes boto3's model does not list.
            let mut attributes = rust(r.attributes);
            attributes.retain(|a| !(service == "s3" && a == "expires_string"));
            assert_eq!(attributes, names(&e["attributes"]), "{at}: attributes");
            // boto3 keeps sub-resource names as the model's (`User`); references are snake_case.
            let subs = names(&e["subresources"]);
            let refs = names(&e["references"]);
            assert_eq!(r.has.len(), subs.len() + refs.len(), "{at}: has");
            for (model, name) in r.has {
                assert!(
                    subs.contains(*model) || refs.contains(*name),
                    "{at}: has {model} as {name}: boto3 has {subs:?} and {refs:?}"
                );
            }
            // Reachable: each is a method of the generated type.
            let type_name = if r.name == "ServiceResource" {
                "Resource".to_owned()
            } else {
                r.name.to_owned()
            };
            let own = fns.get(&type_name).cloned().unwrap_or_default();
            for (_, m) in r
                .actions
                .iter()
                .chain(r.has)
                .chain(r.has_many)
                .chain(r.waiters)
                .chain(r.attributes)
            {
                assert!(own.contains(*m), "{at}: no method {m} on {type_name}");
            }
            let coll = fns
                .get(&format!("{type_name}Collection"))
                .cloned()
                .unwrap_or_default();
            for (_, m) in r.batch_actions {
                assert!(
                    coll.contains(*m),
                    "{at}: no batch action {m} on {type_name}Collection"
                );
            }
        }
        // The model's own counts (the service's implicit `has` entries excluded).
        let dir = std::fs::read_dir(models.join(service))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let json: J =
            serde_json::from_str(&std::fs::read_to_string(dir.join("resources-1.json")).unwrap())
                .unwrap();
        let mut defs = vec![&json["service"]];
        defs.extend(json["resources"].as_object().unwrap().values());
        *totals.entry("resource types").or_default() +=
            json["resources"].as_object().unwrap().len();
        for d in defs {
            for (k, key) in [
                ("actions", "actions"),
                ("batch actions", "batchActions"),
                ("collections", "hasMany"),
                ("has", "has"),
                ("waiters", "waiters"),
            ] {
                *totals.entry(k).or_default() += d[key].as_object().map_or(0, |m| m.len());
            }
        }
    }
    println!("{totals:?}");
    let want = BTreeMap::from([
        ("actions", 318),
        ("batch actions", 15),
        ("collections", 87),
        ("has", 136),
        ("resource types", 80),
        ("waiters", 17),
    ]);
    assert_eq!(totals, want);
}
