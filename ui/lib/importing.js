// The import dialog's pure parts: which profile each service's found keys go into unless the
// person says otherwise, and one line per found key of what the import (or its dry run) does
// with it. The words come from the core's records (`simcred import --json`); nothing here
// decides where a key goes — the dry run does.

/**
 * The profile field of each service among `found` (keys without a problem): the one profile of
 * this computer of that service is joined by default; else the field is empty, and the import
 * makes a profile named after the service (sign-in tokens: after their table in the file).
 * Returns `[{service, value, placeholder}]` in the order the services were found.
 */
export function importTargets(found, profiles, policyOf = () => "named") {
  const services = [...new Set((found ?? []).filter((f) => !f.problem).map((f) => f.service))];
  return services.map((service) => {
    const mine = (profiles ?? []).filter((p) => p.service === service && !p.store);
    const tokens = policyOf(service) === "tokens";
    const names = tokens ? [...new Set(found.filter((f) => f.service === service).map((f) => f.name))] : [service];
    return { service, value: mine.length === 1 ? mine[0].name : "", placeholder: names.join(", ") };
  });
}

/** One line for a record of `import` (`planned`: a dry run's): where the key goes, or why not. */
export function planLine(rec) {
  const what = `${rec.profile}/${rec.key}`;
  if (rec.action === "skipped") return `${what} from ${rec.source}: not imported — ${rec.note ?? "skipped"}`;
  if (rec.action === "already stored") return `${what} from ${rec.source}: already stored (${rec.stored_in ?? "in SimCred"})${rec.note ? ` — ${rec.note}` : ""}`;
  const into = rec.new_profile ? `new profile "${rec.profile}"${rec.server ? ` for ${rec.server}` : ""}` : `existing profile "${rec.profile}"`;
  return `${what} from ${rec.source} → ${into}, ${rec.stored_in}`;
}

/** Whether a dry run's records would import anything. */
export function importsAny(records) {
  return (records ?? []).some((r) => r.action === "imported");
}
