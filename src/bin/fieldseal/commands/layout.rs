//! The record layout that `reseal`'s options describe: `--nested`, `--rename`, `--sealed` and
//! `--index` reach records nested at any depth by dotted path (`--nested billing=Address --nested
//! billing.geo=Geo --rename billing.street=road --sealed billing.street`).

use fieldseal::Keyring;
use fieldseal::bulk::RecordLayout;
use fieldseal::record::{PART_SEPARATOR, RecordIndex};

use crate::args::ResealArgs;
use crate::failure::{Exit, Failure, Outcome};

/// The index columns of `--index`, each with its index made from the normalizer the keyring
/// records for it: the one every service agreed on (FORMAT.md §13).
pub(crate) fn index_columns(
    args: &ResealArgs,
    keyring: &Keyring,
) -> Outcome<Vec<(String, RecordIndex)>> {
    let mut columns = Vec::new();
    for arg in &args.indexes {
        let option = format!("--index {}", arg.column);
        let Some(info) = keyring.index(&arg.index) else {
            let e = keyring
                .index_key(&arg.index)
                .err()
                .map_or_else(|| format!("no index `{}`", arg.index), |e| e.to_string());
            return Err(usage(format!("{option}: {e}")));
        };
        if info.normalizer.is_empty() {
            return Err(usage(format!(
                "{option}: index `{}` records no normalizer, so fieldseal cannot know how its \
                 values were normalized; recompute its terms in the application (the derived \
                 reseal), or define an index that records one (fieldseal index add --normalizer)",
                arg.index
            )));
        }
        let descriptions: Vec<&str> = info.normalizer.split(PART_SEPARATOR).collect();
        if descriptions.len() != arg.fields.len() {
            return Err(usage(format!(
                "{option}: index `{}` reads {} field(s) (its normalizer is `{}`), and {} are \
                 named; name them in the index's order",
                arg.index,
                descriptions.len(),
                info.normalizer,
                arg.fields.len()
            )));
        }
        let mut index =
            RecordIndex::new(&arg.index).map_err(|e| usage(format!("{option}: {e}")))?;
        for (field, description) in arg.fields.iter().zip(descriptions) {
            index = index.part(field, description).map_err(|e| {
                usage(format!(
                    "{option}: {e}; a custom normalizer is a function of the application: \
                     recompute its terms there (the derived reseal)"
                ))
            })?;
        }
        columns.push((arg.column.clone(), index));
    }
    Ok(columns)
}

/// The layout of `args` with the index columns `indexes`, checked: every dotted path is inside a
/// record that is declared.
pub(crate) fn layout(
    args: &ResealArgs,
    indexes: &[(String, RecordIndex)],
) -> Outcome<RecordLayout> {
    let top = match &args.id_field {
        Some(field) => RecordLayout::new(&args.record).id(field, args.id_type),
        None => RecordLayout::new(&args.record),
    };
    let declared = |path: &str| path.is_empty() || args.nested.iter().any(|(p, _)| p == path);
    for (index, (path, _)) in args.nested.iter().enumerate() {
        check_path("--nested", path)?;
        if args.nested[..index].iter().any(|(p, _)| p == path) {
            return Err(usage(format!(
                "--nested {path} is given twice; give each nested record once"
            )));
        }
        let (parent, _) = split(path);
        if !declared(parent) {
            return Err(usage(format!(
                "--nested {path}=...: declare the record it is in first, with --nested \
                 {parent}=RECORD"
            )));
        }
    }
    for path in &args.sealed {
        check_path("--sealed", path)?;
        let (parent, _) = split(path);
        if !declared(parent) {
            return Err(usage(format!(
                "--sealed {path}: declare the record it is in, with --nested {parent}=RECORD"
            )));
        }
    }
    for (path, _) in &args.renames {
        check_path("--rename", path)?;
        let (parent, _) = split(path);
        if !declared(parent) {
            return Err(usage(format!(
                "--rename {path}=...: declare the record it is in, with --nested {parent}=RECORD"
            )));
        }
    }
    for (index, arg) in args.indexes.iter().enumerate() {
        let path = &arg.column;
        check_path("--index", path)?;
        let (parent, _) = split(path);
        if !declared(parent) {
            return Err(usage(format!(
                "--index {path}=...: declare the record it is in, with --nested {parent}=RECORD"
            )));
        }
        if args.indexes[..index].iter().any(|a| a.column == *path) {
            return Err(usage(format!(
                "--index {path} is given twice; give each index column once"
            )));
        }
    }
    Ok(build(top, "", args, indexes))
}

/// `layout`, the record at `path`, with its renames, index columns and nested records (and
/// theirs).
fn build(
    mut layout: RecordLayout,
    path: &str,
    args: &ResealArgs,
    indexes: &[(String, RecordIndex)],
) -> RecordLayout {
    for (key, name) in &args.renames {
        if split(key).0 == path {
            layout = layout.rename(split(key).1, name);
        }
    }
    if !args.sealed.is_empty() {
        // Once any field is named, every record lists its own (a record with none has none).
        layout = layout.declared();
    }
    for key in &args.sealed {
        if split(key).0 == path {
            layout = layout.sealed(split(key).1);
        }
    }
    for (column, index) in indexes {
        if split(column).0 == path {
            layout = layout.index(split(column).1, index.clone());
        }
    }
    for (key, nested) in &args.nested {
        if split(key).0 == path {
            layout = layout.nested(split(key).1, build(nested.clone(), key, args, indexes));
        }
    }
    layout
}

/// `a.b.c` as (`a.b`, `c`); `a` as (``, `a`).
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('.').unwrap_or(("", path))
}

fn check_path(option: &str, path: &str) -> Outcome {
    if path.split('.').any(str::is_empty) {
        return Err(usage(format!(
            "{option} {path}: a path is JSON keys joined by dots, none of them empty, for \
             example billing.geo"
        )));
    }
    Ok(())
}

fn usage(message: String) -> Failure {
    Failure::new(Exit::Usage, message)
}
