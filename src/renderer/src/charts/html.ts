// Chart tooltips are HTML (ECharts sets innerHTML from a formatter's string), so every name that
// comes from data — zones, lanes, policies, instance names, event details — is escaped here first.

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
}

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c])
}

/**
 * A tagged template whose interpolations are escaped: `html\`<b>${name}</b>\`` keeps the markup of
 * the template and turns `name` into text. A value wrapped by `trusted` (markup built by `html`
 * itself) is inserted as is.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0]
  values.forEach((value, i) => {
    out += (value instanceof TrustedHtml ? value.markup : escapeHtml(value)) + strings[i + 1]
  })
  return out
}

class TrustedHtml {
  constructor(readonly markup: string) {}
}

/** Marks markup made by `html` (or constant markup) for insertion into another `html` template. */
export function trusted(markup: string): TrustedHtml {
  return new TrustedHtml(markup)
}
