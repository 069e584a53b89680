//! `fieldseal index add|rotate|finish|status`: the keyring's blind indexes (FORMAT.md §16).

use std::io::Write;

use fieldseal::IndexSpec;
use fieldseal::index::IndexInfo;

use crate::args::{IndexAddArgs, IndexCommand, IndexFinishArgs};
use crate::commands::{KeyringFile, list};
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(file: &KeyringFile, command: &IndexCommand, out: &mut dyn Write) -> Outcome {
    match command {
        IndexCommand::Add(args) => add(file, args, out),
        IndexCommand::Rotate(args) => rotate(file, &args.name, out),
        IndexCommand::Finish(args) => finish(file, args, out),
        IndexCommand::Status(args) => crate::commands::index_status::run(file, args, out),
    }
}

/// Refuses a normalizer description that fieldseal cannot read: a misspelt step (`emial`) or a
/// pipeline too long would be kept in the keyring for good (no command changes an index), and
/// every service refused for it. Each part (a compound index has one per part) is read whole, as
/// services read it, a `custom:NAME` step (made in code) standing in for itself; a step of a
/// cargo feature this build lacks is taken as it is. No description means no normalizer.
fn check_normalizer(description: &str) -> Outcome {
    use fieldseal::normalize::{
        Custom, DefinitionProblem, NormalizeError, custom, from_description_with,
    };
    if description.is_empty() {
        return Ok(());
    }
    let refused = |e: &NormalizeError| {
        Failure::new(
            Exit::Usage,
            format!("--normalizer {description}: {e}; nothing changed"),
        )
    };
    for part in description.split(fieldseal::record::PART_SEPARATOR) {
        // Every custom step named in the part, as a stand-in that normalizes nothing.
        let customs = part
            .split('|')
            .filter_map(|step| step.strip_prefix("custom:"))
            .map(|name| custom(name, |value| Ok(value.to_owned())))
            .collect::<Result<Vec<Custom>, _>>()
            .map_err(|e| refused(&e))?;
        match from_description_with(part, &customs) {
            Ok(_) | Err(NormalizeError::Definition(DefinitionProblem::FeatureDisabled { .. })) => {}
            Err(e) => return Err(refused(&e)),
        }
    }
    Ok(())
}

fn add(file: &KeyringFile, args: &IndexAddArgs, out: &mut dyn Write) -> Outcome {
    // The definition is checked before the keyring's secret is asked for.
    check_normalizer(&args.normalizer)?;
    let spec = IndexSpec::new(&args.name)
        .and_then(|s| s.with_width(args.width))
        .and_then(|s| s.with_normalizer(&args.normalizer))
        .map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
    // Under the keyring's lock from load to save, as every change.
    let (mut keyring, protector) = file.load_locked()?;
    keyring
        .add_index(spec)
        .map_err(|e| Failure::lib(format_args!("cannot add index `{}`", args.name), &e))?;
    file.save(&keyring, &protector)?;
    let root = keyring.active_version();
    let id = keyring.id();
    drop(keyring); // the lock
    writeln!(
        out,
        "added index `{}` to keyring {id}: version 1 is current, its key derived from root \
         version {root}",
        args.name
    )?;
    writeln!(
        out,
        "width {} bytes, normalizer {}",
        args.width,
        normalizer(&args.normalizer)
    )?;
    writeln!(
        out,
        "next: export the bundles of the services that write or look up the index \
         (fieldseal export-bundle --index {} ...)",
        args.name
    )?;
    Ok(())
}

fn rotate(file: &KeyringFile, name: &str, out: &mut dyn Write) -> Outcome {
    let (mut keyring, protector) = file.load_locked()?;
    let new = keyring
        .rotate_index(name)
        .map_err(|e| Failure::lib(format_args!("cannot rotate index `{name}`"), &e))?;
    file.save(&keyring, &protector)?;
    let root = keyring.active_version();
    let live = keyring.index(name).map(live_versions).unwrap_or_default();
    drop(keyring); // the lock
    writeln!(
        out,
        "rotated index `{name}`: version {new} is current, its key derived from root version \
         {root}; new terms are written with it"
    )?;
    writeln!(
        out,
        "still live: version(s) {}; lookups also ask for their terms, so every row is found",
        list(&live)
    )?;
    writeln!(
        out,
        "next: re-export the bundles holding the index (fieldseal export-bundle --index {name} \
         --force), recompute the stored terms with version {new} (fieldseal reseal ... --index \
         COLUMN={name}@FIELDS), check that none is left (fieldseal index status {name} --column \
         COLUMN --input FILE), then finish the migration (fieldseal index finish {name} --yes)"
    )?;
    Ok(())
}

fn finish(file: &KeyringFile, args: &IndexFinishArgs, out: &mut dyn Write) -> Outcome {
    let name = &args.name;
    // A first look, without the lock: nobody waits while the operator confirms.
    let (keyring, protector) = file.load()?;
    let Some(live) = check(keyring.index(name), name, &keyring, out)? else {
        return Ok(());
    };
    if !args.yes {
        confirm(name, &live)?;
    }
    let mut keyring = file.relock(&protector)?;
    let Some(now) = check(keyring.index(name), name, &keyring, out)? else {
        return Ok(());
    };
    if now != live {
        // Another administrator rotated the index (or finished it) meanwhile: what would be
        // retired now is not what was confirmed, and may be the version every row was moved to.
        return Err(Failure::new(
            Exit::Refused,
            format!(
                "index `{name}` changed while this command waited (live versions {} when \
                 confirmed, {} now); nothing changed: check the migration and run it again",
                list(&live),
                list(&now)
            ),
        ));
    }
    let retired = keyring
        .finish_index_migration(name)
        .map_err(|e| Failure::lib(format_args!("cannot finish index `{name}`"), &e))?;
    file.save(&keyring, &protector)?;
    let current = keyring.index(name).map_or(0, IndexInfo::current_version);
    drop(keyring); // the lock
    writeln!(
        out,
        "finished the migration of index `{name}`: version {current} alone is queried; retired, \
         their keys gone: version(s) {}",
        list(&retired)
    )?;
    writeln!(
        out,
        "next: re-export the bundles holding the index (fieldseal export-bundle --index {name} \
         --force); root versions no index version uses any more can now be retired"
    )?;
    Ok(())
}

/// The live versions of `name` if a migration is under way; `None` (and says so) if not.
fn check(
    index: Option<&IndexInfo>,
    name: &str,
    keyring: &fieldseal::Keyring,
    out: &mut dyn Write,
) -> Outcome<Option<Vec<u32>>> {
    let Some(index) = index else {
        // The library's error names the indexes there are.
        return Err(match keyring.index_key(name) {
            Err(e) => Failure::lib(format_args!("cannot finish index `{name}`"), &e),
            Ok(_) => Failure::new(Exit::Failure, format!("no index `{name}`")),
        });
    };
    let live = live_versions(index);
    if live.is_empty() {
        writeln!(
            out,
            "index `{name}` has no migration under way (version {} alone is in use); nothing \
             changed",
            index.current_version()
        )?;
        return Ok(None);
    }
    Ok(Some(live))
}

fn live_versions(index: &IndexInfo) -> Vec<u32> {
    let current = index.current_version();
    let mut live: Vec<u32> = index
        .lookup_versions()
        .into_iter()
        .filter(|&v| v != current)
        .collect();
    live.sort_unstable();
    live
}

/// Asks at the terminal; refuses without one.
fn confirm(name: &str, live: &[u32]) -> Outcome {
    let warning = format!(
        "finishing the migration of index `{name}` retires versions {}: rows whose terms were not \
         recomputed with the current version are no longer found by a lookup",
        list(live)
    );
    crate::confirm::confirm(&warning, &format!("finish {name}"), "finish it")
}

/// A normalizer description as shown: `none recorded` when empty.
pub(crate) fn normalizer(description: &str) -> &str {
    if description.is_empty() {
        "none recorded"
    } else {
        description
    }
}
