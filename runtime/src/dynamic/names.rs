//! boto3's method names: botocore's `xform_name`, which also names the
//! AWS CLI's commands and options (with `-`).

/// Names botocore's rules would split wrongly, with the names it gives
/// them instead (botocore's prepopulated `_xform_cache`, `_` form).
const SPECIAL: &[(&str, &str)] = &[
    (
        "AssociateWhatsAppBusinessAccount",
        "associate_whatsapp_business_account",
    ),
    ("CreateCachediSCSIVolume", "create_cached_iscsi_volume"),
    ("CreateStorediSCSIVolume", "create_stored_iscsi_volume"),
    (
        "CreateWhatsAppMessageTemplate",
        "create_whatsapp_message_template",
    ),
    (
        "CreateWhatsAppMessageTemplateFromLibrary",
        "create_whatsapp_message_template_from_library",
    ),
    (
        "CreateWhatsAppMessageTemplateMedia",
        "create_whatsapp_message_template_media",
    ),
    (
        "DeleteWhatsAppMessageMedia",
        "delete_whatsapp_message_media",
    ),
    (
        "DeleteWhatsAppMessageTemplate",
        "delete_whatsapp_message_template",
    ),
    (
        "DescribeCachediSCSIVolumes",
        "describe_cached_iscsi_volumes",
    ),
    (
        "DescribeStorediSCSIVolumes",
        "describe_stored_iscsi_volumes",
    ),
    (
        "DisassociateWhatsAppBusinessAccount",
        "disassociate_whatsapp_business_account",
    ),
    ("ExecutePartiQLBatch", "execute_partiql_batch"),
    ("ExecutePartiQLStatement", "execute_partiql_statement"),
    ("ExecutePartiQLTransaction", "execute_partiql_transaction"),
    (
        "GetLinkedWhatsAppBusinessAccount",
        "get_linked_whatsapp_business_account",
    ),
    (
        "GetLinkedWhatsAppBusinessAccountPhoneNumber",
        "get_linked_whatsapp_business_account_phone_number",
    ),
    ("GetOTelEnrichment", "get_otel_enrichment"),
    ("GetWhatsAppMessageMedia", "get_whatsapp_message_media"),
    (
        "GetWhatsAppMessageTemplate",
        "get_whatsapp_message_template",
    ),
    (
        "ListHITsForQualificationType",
        "list_hits_for_qualification_type",
    ),
    (
        "ListLinkedWhatsAppBusinessAccounts",
        "list_linked_whatsapp_business_accounts",
    ),
    (
        "ListWhatsAppMessageTemplates",
        "list_whatsapp_message_templates",
    ),
    (
        "ListWhatsAppTemplateLibrary",
        "list_whatsapp_template_library",
    ),
    ("PostWhatsAppMessageMedia", "post_whatsapp_message_media"),
    (
        "PutWhatsAppBusinessAccountEventDestinations",
        "put_whatsapp_business_account_event_destinations",
    ),
    ("SendWhatsAppMessage", "send_whatsapp_message"),
    ("StartOTelEnrichment", "start_otel_enrichment"),
    ("StopOTelEnrichment", "stop_otel_enrichment"),
    (
        "UpdateWhatsAppMessageTemplate",
        "update_whatsapp_message_template",
    ),
];

/// `ListUsers` -> `list_users` (`sep` `_`) or `list-users` (`sep` `-`), as
/// botocore's `xform_name`: a name that already holds `sep` is returned as
/// it is.
pub fn xform_name(name: &str, sep: char) -> String {
    if name.contains(sep) {
        return name.to_owned();
    }
    if let Some((_, special)) = SPECIAL.iter().find(|(k, _)| *k == name) {
        return special.replace('_', &sep.to_string());
    }
    let chars: Vec<char> = name.chars().collect();
    let mut name = chars;
    // `[A-Z]{2,}s$`: `ListARNs` -> `List_arns` before the other rules.
    if name.last() == Some(&'s') {
        let run = name
            .iter()
            .rev()
            .skip(1)
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        if run >= 2 {
            let at = name.len() - run - 1;
            let tail: Vec<char> = name.split_off(at);
            name.push(sep);
            name.extend(tail.iter().map(char::to_ascii_lowercase));
        }
    }
    // `(.)([A-Z][a-z]+)` -> `\1 sep \2`, left to right without overlap.
    let mut first = Vec::with_capacity(name.len() + 8);
    let mut i = 0;
    while let Some(&c) = name.get(i) {
        let upper = name.get(i + 1).is_some_and(|n| n.is_ascii_uppercase());
        let lowers = name
            .iter()
            .skip(i + 2)
            .take_while(|n| n.is_ascii_lowercase())
            .count();
        if c != '\n' && upper && lowers > 0 {
            first.push(c);
            first.push(sep);
            first.extend(name.iter().skip(i + 1).take(lowers + 1));
            i += lowers + 2;
        } else {
            first.push(c);
            i += 1;
        }
    }
    // `([a-z0-9])([A-Z])` -> `\1 sep \2`, then lowercase.
    let mut out = String::with_capacity(first.len() + 8);
    let mut i = 0;
    while let Some(&c) = first.get(i) {
        let next = first.get(i + 1).copied();
        if (c.is_ascii_lowercase() || c.is_ascii_digit())
            && next.is_some_and(|n| n.is_ascii_uppercase())
        {
            out.push(c);
            out.push(sep);
            out.extend(next);
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::xform_name;

    #[test]
    fn botocore_examples() {
        for (name, expected) in [
            ("ListUsers", "list_users"),
            ("DescribeDBInstances", "describe_db_instances"),
            ("ListAllMyBuckets", "list_all_my_buckets"),
            ("GetBucketACLs", "get_bucket_acls"),
            ("CreateCachediSCSIVolume", "create_cached_iscsi_volume"),
            ("DescribeInstances", "describe_instances"),
            ("PutObjectACL", "put_object_acl"),
            ("EnableMFADevice", "enable_mfa_device"),
            ("list_users", "list_users"),
            ("UploadPartCopy", "upload_part_copy"),
            ("GetIPv6Addresses", "get_i_pv6_addresses"),
        ] {
            assert_eq!(xform_name(name, '_'), expected, "{name}");
        }
        assert_eq!(xform_name("ListUsers", '-'), "list-users");
        assert_eq!(
            xform_name("ExecutePartiQLStatement", '-'),
            "execute-partiql-statement"
        );
    }
}
