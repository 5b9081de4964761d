//! The ledgers described as a Frictionless Data Package (Table Schema per file), generated from the
//! schema so that it can never drift from what the loader reads. `growthplan schema` prints it; a test
//! compares it with `data/datapackage.json`.

use serde_json::{json, Map, Value};

use crate::ledger::schema::{ColumnType, LedgerFile, TABLE_SPECS};

const ID_PATTERN: &str = "[A-Za-z0-9][A-Za-z0-9._/-]*";

pub fn datapackage() -> Value {
    let resources: Vec<Value> = TABLE_SPECS
        .iter()
        .map(|t| {
            let name = t.file.file_name().trim_end_matches(".csv");
            let fields: Vec<Value> = t
                .columns
                .iter()
                .map(|c| {
                    let mut f = Map::new();
                    f.insert("name".into(), json!(c.name));
                    f.insert("description".into(), json!(c.description));
                    let mut constraints = Map::new();
                    if c.value_required {
                        constraints.insert("required".into(), json!(true));
                    }
                    let ty = match c.ty {
                        ColumnType::Text => "string",
                        ColumnType::Id | ColumnType::Partner | ColumnType::Step | ColumnType::Request => {
                            constraints.insert("pattern".into(), json!(ID_PATTERN));
                            "string"
                        }
                        ColumnType::PartnerOrAll => {
                            constraints.insert("pattern".into(), json!(ID_PATTERN));
                            "string"
                        }
                        ColumnType::StepList | ColumnType::RequestList => {
                            constraints.insert("pattern".into(), json!(format!("({ID_PATTERN})?( {ID_PATTERN})*")));
                            "string"
                        }
                        ColumnType::Date => "date",
                        ColumnType::Count => {
                            constraints.insert("minimum".into(), json!(0));
                            "integer"
                        }
                        ColumnType::Money => {
                            f.insert("decimalChar".into(), json!("."));
                            f.insert("bareNumber".into(), json!(true));
                            "number"
                        }
                        ColumnType::Enum(words) => {
                            constraints.insert("enum".into(), json!(words));
                            "string"
                        }
                    };
                    f.insert("type".into(), json!(ty));
                    if !constraints.is_empty() {
                        f.insert("constraints".into(), Value::Object(constraints));
                    }
                    Value::Object(f)
                })
                .collect();
            let mut foreign = Vec::new();
            for c in t.columns {
                let target = match c.ty {
                    ColumnType::Partner => Some((LedgerFile::Partners, "code")),
                    ColumnType::Step => Some((LedgerFile::Steps, "id")),
                    ColumnType::Request => Some((LedgerFile::Requests, "id")),
                    _ => None,
                };
                if let Some((file, key)) = target {
                    foreign.push(json!({
                        "fields": c.name,
                        "reference": { "resource": file.file_name().trim_end_matches(".csv"), "fields": key }
                    }));
                }
            }
            let mut schema = Map::new();
            schema.insert("fields".into(), Value::Array(fields));
            schema.insert("missingValues".into(), json!([""]));
            if !t.primary_key.is_empty() {
                schema.insert("primaryKey".into(), json!(t.primary_key));
            }
            if !foreign.is_empty() {
                schema.insert("foreignKeys".into(), Value::Array(foreign));
            }
            json!({
                "name": name,
                "path": t.file.file_name(),
                "title": t.title,
                "description": t.description,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": { "delimiter": ",", "header": true, "doubleQuote": true },
                "schema": Value::Object(schema),
            })
        })
        .collect();
    json!({
        "profile": "tabular-data-package",
        "name": "growthplan-ledgers",
        "title": "growthplan ledgers",
        "description": "The CSV ledgers growthplan reads. The canonical form is described here (UTF-8, comma, decimal point, ISO dates); the loader also accepts the spreadsheet dialects documented in docs/DATA.md. Facility parameters are in facility.toml.",
        "resources": resources,
    })
}

/// The package as the text written to `datapackage.json`.
pub fn datapackage_text() -> String {
    let mut s = serde_json::to_string_pretty(&datapackage()).expect("a JSON value always serialises");
    s.push('\n');
    s
}
