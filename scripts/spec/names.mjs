// How spec names (kebab-case, e.g. `basic.get-ok`'s parts) become TypeScript names and literals.

export function pascal(s) {
  return s
    .split(/[-_ ]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

export function camel(s) {
  const p = pascal(s);
  return p.charAt(0).toLowerCase() + p.slice(1);
}

export function constName(s) {
  return s.toUpperCase().replace(/-/g, '_');
}

export function hex(n) {
  return '0x' + n.toString(16).padStart(8, '0');
}
