/** A small element builder for the panel's plain-DOM views. */

type Child = Node | string | null | undefined | false;

export type Attrs = Record<string, string | number | boolean | null | undefined> & {
  class?: string;
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (key === 'class') {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      el.append(child);
    }
  }
  return el;
}

/** A labelled row of the form: the label is tied to the control for screen readers. */
export function field(
  label: string,
  control: HTMLElement,
  hint?: string | HTMLElement
): HTMLElement {
  const id = control.id || `jp-Layerwise-${Math.random().toString(36).slice(2, 10)}`;
  control.id = id;
  return h(
    'div',
    { class: 'jp-Layerwise-field' },
    h('label', { for: id }, label),
    control,
    typeof hint === 'string' ? h('span', { class: 'jp-Layerwise-hint' }, hint) : (hint ?? null)
  );
}

export function select(
  options: { value: string; label: string }[],
  value: string | null,
  onChange: (value: string) => void,
  attrs: Attrs = {}
): HTMLSelectElement {
  const el = h(
    'select',
    { class: 'jp-mod-styled', ...attrs },
    ...options.map(o => h('option', { value: o.value, selected: o.value === value }, o.label))
  );
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

export function numberInput(
  value: number,
  onChange: (value: number) => void,
  attrs: Attrs = {}
): HTMLInputElement {
  const el = h('input', { type: 'number', class: 'jp-mod-styled', value, ...attrs });
  el.addEventListener('change', () => {
    const parsed = Number(el.value);
    if (el.value.trim() !== '' && isFinite(parsed)) {
      onChange(parsed);
    }
  });
  return el;
}

/** A two-or-more-way switch of toggle buttons (aria-pressed), e.g. AND | OR. */
export function segmented<T extends string>(
  label: string,
  options: { value: T; label: string }[],
  value: T,
  onChange: (value: T) => void,
  cls: string
): HTMLElement {
  const group = h('div', {
    class: `jp-Layerwise-segmented ${cls}`,
    role: 'group',
    'aria-label': label
  });
  for (const option of options) {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'jp-Layerwise-segment',
        'data-value': option.value,
        'aria-pressed': String(option.value === value)
      },
      option.label
    );
    button.addEventListener('click', () => onChange(option.value));
    group.append(button);
  }
  return h('div', { class: 'jp-Layerwise-switch' }, h('span', {}, label), group);
}
