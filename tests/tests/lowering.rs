//! One lowering serves both paths: for every vendored service the generated
//! static `SERVICE` equals, field by field, what `boto_runtime::lower` makes
//! of the same model at run time; and the lowering accepts every service of
//! an installed botocore's data folder.

use std::path::{Path, PathBuf};

use boto_codegen::load;
use boto_runtime::lower::lower;
use boto_runtime::model::ServiceModel;
use boto_runtime::schema::Service;

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// The generated schema of every vendored service.
const GENERATED: &[&Service] = &[
    &boto_bedrock_runtime::schema::SERVICE,
    &boto_cloudformation::schema::SERVICE,
    &boto_cloudwatch::schema::SERVICE,
    &boto_dynamodb::schema::SERVICE,
    &boto_ec2::schema::SERVICE,
    &boto_glacier::schema::SERVICE,
    &boto_iam::schema::SERVICE,
    &boto_kms::schema::SERVICE,
    &boto_lambda::schema::SERVICE,
    &boto_logs::schema::SERVICE,
    &boto_route53::schema::SERVICE,
    &boto_s3::schema::SERVICE,
    &boto_secretsmanager::schema::SERVICE,
    &boto_sns::schema::SERVICE,
    &boto_sqs::schema::SERVICE,
    &boto_ssm::schema::SERVICE,
    &boto_sso::schema::SERVICE,
    &boto_sso_oidc::schema::SERVICE,
    &boto_sts::schema::SERVICE,
];

fn read_model(models: &Path, service: &str) -> ServiceModel {
    let dir = load::newest_version_dir(&models.join(service))
        .unwrap_or_else(|e| panic!("{service}: {e}"));
    let path = load::find_file(&dir, "service-2.json")
        .unwrap_or_else(|| panic!("{}: no service-2.json", dir.display()));
    let text = load::read_text(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut model =
        ServiceModel::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    model.endpoint_rules = load::endpoint_rules(&dir).unwrap_or_else(|e| panic!("{e}"));
    model
}

/// Every difference between two schemas, each naming where it is.
fn differences(generated: &Service, lowered: &Service) -> Vec<String> {
    let mut out = Vec::new();
    let svc = generated.name;
    if generated.name != lowered.name {
        out.push(format!("name: {} vs {}", generated.name, lowered.name));
    }
    if generated.endpoint_rules != lowered.endpoint_rules {
        out.push(format!("{svc}: endpoint rule sets differ"));
    }
    if generated.metadata != lowered.metadata {
        out.push(format!(
            "{svc} metadata:\n generated {:?}\n lowered   {:?}",
            generated.metadata, lowered.metadata
        ));
    }
    if generated.shapes.len() != lowered.shapes.len() {
        out.push(format!(
            "{svc}: {} generated shapes, {} lowered",
            generated.shapes.len(),
            lowered.shapes.len()
        ));
    }
    for (g, l) in generated.shapes.iter().zip(lowered.shapes) {
        if g != l {
            out.push(format!(
                "{svc} shape {}:\n generated {g:?}\n lowered   {l:?}",
                g.name
            ));
        }
    }
    if generated.operations.len() != lowered.operations.len() {
        out.push(format!(
            "{svc}: {} generated operations, {} lowered",
            generated.operations.len(),
            lowered.operations.len()
        ));
    }
    for (g, l) in generated.operations.iter().zip(lowered.operations) {
        if g != l {
            out.push(format!(
                "{svc} operation {}:\n generated {g:?}\n lowered   {l:?}",
                g.name
            ));
        }
    }
    out
}

#[test]
fn generated_schemas_equal_the_runtime_lowering() {
    let models = models_dir();
    let vendored = load::list_services(&models).unwrap();
    let generated: Vec<&str> = GENERATED.iter().map(|s| s.name).collect();
    assert_eq!(
        vendored, generated,
        "every vendored service must be listed in GENERATED (and a dev-dependency)"
    );
    let mut diffs = Vec::new();
    let (mut shapes, mut members, mut ops) = (0, 0, 0);
    for service in GENERATED {
        let model = read_model(&models, service.name);
        let lowered = lower(service.name, &model).unwrap();
        diffs.extend(differences(service, lowered));
        // Belt and braces: the derived equality over the whole value.
        if diffs.is_empty() {
            assert_eq!(*service, lowered);
        }
        shapes += service.shapes.len();
        ops += service.operations.len();
        members += service
            .shapes
            .iter()
            .map(|s| match &s.kind {
                boto_runtime::schema::ShapeKind::Structure(st) => st.members.len(),
                _ => 0,
            })
            .sum::<usize>();
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    assert!(
        shapes > 5_000 && members > 20_000 && ops > 1_500,
        "{shapes} {members} {ops}"
    );
}

/// A bad change to a lowered value is seen (the comparison can fail).
#[test]
fn a_changed_member_is_a_difference() {
    let model = read_model(&models_dir(), "sts");
    let lowered = lower("sts", &model).unwrap();
    let mut shapes: Vec<_> = lowered.shapes.to_vec();
    let i = shapes
        .iter()
        .position(|s| s.structure().is_some_and(|st| !st.members.is_empty()))
        .unwrap();
    if let boto_runtime::schema::ShapeKind::Structure(st) = &mut shapes[i].kind {
        let mut members: Vec<_> = st.members.to_vec();
        members[0].xml_attribute = !members[0].xml_attribute;
        st.members = Box::leak(members.into_boxed_slice());
    }
    let changed = Service {
        name: lowered.name,
        metadata: lowered.metadata.clone(),
        shapes: Box::leak(shapes.into_boxed_slice()),
        operations: lowered.operations,
        endpoint_rules: lowered.endpoint_rules,
    };
    let diffs = differences(&boto_sts::schema::SERVICE, &changed);
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert!(diffs[0].contains(&format!("shape {}", changed.shapes[i].name)));
}

/// botocore's data folder, from the installed package.
fn botocore_data() -> PathBuf {
    let python = std::env::var("BOTO_PYTHON").unwrap_or_else(|_| "python3".into());
    boto_runtime::model_files::botocore_data(&python).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_botocore_service_lowers_and_its_rules_compile() {
    let data = botocore_data();
    let services = load::list_services(&data).unwrap();
    assert!(
        services.len() > 400,
        "{}: {} services",
        data.display(),
        services.len()
    );
    let failures: Vec<String> = std::thread::scope(|scope| {
        let chunks: Vec<_> = services.chunks(services.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let data = &data;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|s| match lower(s, &read_model(data, s)) {
                            Err(e) => Some(e.to_string()),
                            // Every rule set compiles, too.
                            Ok(service) => match service.endpoint_rules.map(|r| r.get()) {
                                None => Some(format!("{s}: no endpoint rule set")),
                                Some(Err(e)) => Some(format!("{s}: {e}")),
                                Some(Ok(_)) => None,
                            },
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
