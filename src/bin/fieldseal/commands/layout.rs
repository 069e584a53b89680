//! The record layout that `reseal`'s options describe: `--nested`, `--rename` and `--sealed`
//! reach records nested at any depth by dotted path (`--nested billing=Address --nested
//! billing.geo=Geo --rename billing.street=road --sealed billing.street`).

use fieldseal::bulk::RecordLayout;

use crate::args::ResealArgs;
use crate::failure::{Exit, Failure, Outcome};

/// The layout of `args`, checked: every dotted path is inside a record that is declared.
pub(crate) fn layout(args: &ResealArgs) -> Outcome<RecordLayout> {
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
    Ok(build(top, "", args))
}

/// `layout`, the record at `path`, with its renames and nested records (and theirs).
fn build(mut layout: RecordLayout, path: &str, args: &ResealArgs) -> RecordLayout {
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
    for (key, nested) in &args.nested {
        if split(key).0 == path {
            layout = layout.nested(split(key).1, build(nested.clone(), key, args));
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
