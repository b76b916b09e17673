//! Route 53: botocore's `fix_route53_ids`.

use super::{Call, Customization, Members, Overrides};
use crate::dynamic::DynValue;
use crate::protocol::SerializeError;

pub(super) struct Route53;

/// Input members of these shapes take the last `/` segment of what they are
/// given, so ids from outputs (`/hostedzone/Z123`, `/change/C1`) can be passed
/// back as they are.
const ID_SHAPES: &[&str] = &["ResourceId", "DelegationSetId", "ChangeId"];

impl Customization for Route53 {
    fn before_serialize(
        &self,
        call: &mut Call<'_>,
        input: &Members<'_>,
        set: &mut Overrides,
    ) -> Result<(), SerializeError> {
        let Some(st) = input.shape else {
            return Ok(());
        };
        for (i, m) in st.members.iter().enumerate() {
            if !ID_SHAPES.contains(&call.service.shape(m.target).name) {
                continue;
            }
            if let Some(id) = input.str(m.name) {
                let last = id.rsplit('/').next().unwrap_or(id);
                if last.len() != id.len() {
                    set.set(i, DynValue::Str(last.to_owned()));
                }
            }
        }
        Ok(())
    }
}
