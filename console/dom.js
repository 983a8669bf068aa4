// DOM building without innerHTML: every value a customer or Stripe controls lands as text, never as markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'className') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const text = (value) => (value === null || value === undefined || value === '' ? '—' : String(value));

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

export function money(minor, currency) {
  if (typeof minor !== 'number' || !currency) return '—';
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency}`;
  }
}

/** A table: columns are [header, (row) => cell]; an empty list says so instead of an empty grid. */
export function table(label, columns, rows, empty = 'Nothing yet.') {
  if (!rows.length) return h('p', { className: 'empty' }, empty);
  return h(
    'div',
    { className: 'scroll' },
    h(
      'table',
      { 'aria-label': label },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map(([name]) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {},
            columns.map(([name, cell]) => h('td', { 'data-label': name }, cell(row))),
          ),
        ),
      ),
    ),
  );
}

export const section = (title, ...children) =>
  h('section', { 'aria-label': title }, h('h2', {}, title), ...children);

export const card = (label, value, id) =>
  h(
    'div',
    { className: 'card', 'data-figure': id },
    h('span', { className: 'label' }, label),
    h('b', {}, text(value)),
  );
