//! The bureau's configuration of what parents fill in: entries with their required
//! sections, the materials table's rules, and whether exports may carry full ID numbers.
//! Every change is audited.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, SqlErr,
};

use crate::{
    api::configuration::{Configuration, EntryAdmin, EntryInput, RuleAdmin, RuleInput},
    domain::{
        RegistrationState, Subsystem, materials::Condition, provenance::Document,
        sections::entry_sections,
    },
    i18n::LocalizedText,
    server::{
        entities::{bureau, entry, material_rule, registration},
        failure::ServiceError,
        infra::audit::{self, AuditAction, Request},
        infra::auth::Actor,
        services::bureau::admin_bureau,
    },
};

/// The bureau's entries, their material rules and the export setting (administrators).
pub async fn overview(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Configuration, ServiceError> {
    let (entries, export_full_ids) = entries(db, actor).await?;
    let rules = rules(db, actor).await?;
    Ok(Configuration {
        entries,
        rules,
        export_full_ids,
    })
}

/// The bureau's entries, with how many registrations use each.
pub async fn entries(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<(Vec<EntryAdmin>, bool), ServiceError> {
    let (_, bureau) = admin_bureau(db, actor).await?;
    let rows = entry::Entity::find()
        .filter(entry::Column::BureauId.eq(bureau.id))
        .order_by_asc(entry::Column::Position)
        .all(db)
        .await?;
    let mut list = Vec::with_capacity(rows.len());
    for e in rows {
        let registrations = registration::Entity::find()
            .filter(registration::Column::EntryId.eq(e.id))
            .filter(registration::Column::State.ne(RegistrationState::Deleted))
            .count(db)
            .await?;
        list.push(EntryAdmin {
            id: e.id,
            subsystem: e.subsystem,
            code: e.code.clone(),
            name: LocalizedText::new(&e.name_zh, &e.name_en),
            explanation: LocalizedText::new(&e.explanation_zh, &e.explanation_en),
            sections: crate::domain::SectionKind::parse_list(&e.sections),
            active: e.active,
            registrations,
        });
    }
    Ok((list, bureau.export_full_ids))
}

/// Creates an entry, or changes one of the bureau's.
pub async fn save_entry(
    db: &impl ConnectionTrait,
    request: &Request,
    input: EntryInput,
) -> Result<i32, ServiceError> {
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let sections = entry_sections(&input.sections)
        .map_err(|text| ServiceError::invalid("sections", text.zh, text.en))?;
    let name_zh = input.name_zh.trim().to_owned();
    if name_zh.is_empty() || name_zh.chars().count() > 60 {
        return Err(ServiceError::invalid(
            "name_zh",
            "请填写入口名称（60 字以内）。",
            "Enter the entry's name (at most 60 characters).",
        ));
    }
    let name_en = LocalizedText::english_or(&input.name_en, &name_zh);
    ServiceError::at_most("name_en", &name_en, 120)?;
    let explanation_zh = input.explanation_zh.trim().to_owned();
    let explanation_en = input.explanation_en.trim().to_owned();
    ServiceError::at_most("explanation_zh", &explanation_zh, 2000)?;
    ServiceError::at_most("explanation_en", &explanation_en, 4000)?;
    let list = sections
        .iter()
        .map(|s| s.code())
        .collect::<Vec<_>>()
        .join(",");
    let id = match input.id {
        Some(id) => {
            let row = entry::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|e| e.bureau_id == bureau.id)
                .ok_or(ServiceError::NotFound)?;
            let mut active: entry::ActiveModel = row.into();
            active.name_zh = Set(name_zh);
            active.name_en = Set(name_en);
            active.explanation_zh = Set(explanation_zh);
            active.explanation_en = Set(explanation_en);
            active.sections = Set(list.clone());
            active.active = Set(input.active);
            active.update(db).await?.id
        }
        None => {
            let subsystem = Subsystem::from_code(input.subsystem.trim()).ok_or_else(|| {
                ServiceError::invalid("subsystem", "请选择报名类型。", "Choose the subsystem.")
            })?;
            let code = input.code.trim().to_owned();
            if code.is_empty()
                || code.len() > 64
                || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                return Err(ServiceError::invalid(
                    "code",
                    "入口代码只能用字母、数字和连字符（64 个以内）。",
                    "The code uses letters, digits and hyphens (at most 64).",
                ));
            }
            let position = entry::Entity::find()
                .filter(entry::Column::BureauId.eq(bureau.id))
                .count(db)
                .await?;
            let inserted = entry::ActiveModel {
                bureau_id: Set(bureau.id),
                subsystem: Set(subsystem),
                code: Set(code),
                name_zh: Set(name_zh),
                name_en: Set(name_en),
                explanation_zh: Set(explanation_zh),
                explanation_en: Set(explanation_en),
                sections: Set(list.clone()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                active: Set(input.active),
                ..Default::default()
            }
            .insert(db)
            .await;
            match inserted {
                Ok(row) => row.id,
                Err(error)
                    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
                {
                    return Err(ServiceError::invalid(
                        "code",
                        "已有相同代码的报名入口。",
                        "An entry with this code exists.",
                    ));
                }
                Err(error) => return Err(error.into()),
            }
        }
    };
    audit::record(
        db,
        request,
        AuditAction::EntrySave,
        "entry",
        Some(id),
        serde_json::json!({ "sections": list, "active": input.active }),
    )
    .await?;
    Ok(id)
}

/// The bureau's materials rules.
pub async fn rules(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<RuleAdmin>, ServiceError> {
    let (_, bureau) = admin_bureau(db, actor).await?;
    let entries = entry::Entity::find()
        .filter(entry::Column::BureauId.eq(bureau.id))
        .all(db)
        .await?;
    Ok(material_rule::Entity::find()
        .filter(material_rule::Column::BureauId.eq(bureau.id))
        .order_by_asc(material_rule::Column::Position)
        .order_by_asc(material_rule::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|r| RuleAdmin {
            id: r.id,
            document: r.document,
            condition: r.condition,
            required: r.required,
            explanation: LocalizedText::new(&r.explanation_zh, &r.explanation_en),
            entry: r.entry_id.and_then(|id| {
                entries
                    .iter()
                    .find(|e| e.id == id)
                    .map(|e| LocalizedText::new(&e.name_zh, &e.name_en))
            }),
        })
        .collect())
}

/// Adds a materials rule (for every entry, or one).
pub async fn add_rule(
    db: &impl ConnectionTrait,
    request: &Request,
    input: RuleInput,
) -> Result<i32, ServiceError> {
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let document = Document::from_code(input.document.trim())
        .ok_or_else(|| ServiceError::invalid("document", "请选择材料。", "Choose the document."))?;
    let condition = Condition::from_code(input.condition.trim()).ok_or_else(|| {
        ServiceError::invalid("condition", "请选择何时需要。", "Choose when it is needed.")
    })?;
    let entry_id = match input.entry_id {
        Some(id) => Some(
            entry::Entity::find_by_id(id)
                .one(db)
                .await?
                .filter(|e| e.bureau_id == bureau.id)
                .ok_or(ServiceError::NotFound)?
                .id,
        ),
        None => None,
    };
    let explanation_zh = input.explanation_zh.trim().to_owned();
    if explanation_zh.is_empty() {
        return Err(ServiceError::invalid(
            "explanation_zh",
            "请写明这份材料的要求，家长会看到。",
            "Explain what the document must show: parents read it.",
        ));
    }
    let explanation_en = LocalizedText::english_or(&input.explanation_en, &explanation_zh);
    ServiceError::at_most("explanation_zh", &explanation_zh, 1000)?;
    ServiceError::at_most("explanation_en", &explanation_en, 2000)?;
    let position = material_rule::Entity::find()
        .filter(material_rule::Column::BureauId.eq(bureau.id))
        .count(db)
        .await?;
    let row = material_rule::ActiveModel {
        bureau_id: Set(bureau.id),
        entry_id: Set(entry_id),
        document: Set(document),
        condition: Set(condition),
        required: Set(input.required),
        explanation_zh: Set(explanation_zh),
        explanation_en: Set(explanation_en),
        example_zh: Set(String::new()),
        example_en: Set(String::new()),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        request,
        AuditAction::MaterialRuleAdd,
        "material_rule",
        Some(row.id),
        serde_json::json!({ "document": document.code(), "condition": condition.code(), "required": input.required }),
    )
    .await?;
    Ok(row.id)
}

/// Removes a materials rule.
pub async fn remove_rule(
    db: &impl ConnectionTrait,
    request: &Request,
    rule_id: i32,
) -> Result<(), ServiceError> {
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let row = material_rule::Entity::find_by_id(rule_id)
        .one(db)
        .await?
        .filter(|r| r.bureau_id == bureau.id)
        .ok_or(ServiceError::NotFound)?;
    material_rule::Entity::delete_by_id(row.id).exec(db).await?;
    audit::record(
        db,
        request,
        AuditAction::MaterialRuleRemove,
        "material_rule",
        Some(row.id),
        serde_json::json!({ "document": row.document, "condition": row.condition }),
    )
    .await
}

/// Whether exports of registration lists carry full ID numbers.
pub async fn set_export_full_ids(
    db: &impl ConnectionTrait,
    request: &Request,
    allow: bool,
) -> Result<(), ServiceError> {
    let (_, bureau) = admin_bureau(db, &request.actor).await?;
    let id = bureau.id;
    let mut active: bureau::ActiveModel = bureau.into();
    active.export_full_ids = Set(allow);
    active.update(db).await?;
    audit::record(
        db,
        request,
        AuditAction::BureauExportFullIds,
        "bureau",
        Some(id),
        serde_json::json!({ "allow": allow }),
    )
    .await
}
