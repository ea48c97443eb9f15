/** Small readers for a host's profile details, shared by the adapters (no host selector here). */

/** The element's text, trimmed; null when there is none or the host shows a dash for "none". */
export function textOf(el: Element | null | undefined): string | null {
  const text = el?.textContent?.replace(/\s+/g, ' ').trim();
  return text && text !== '—' && text !== '-' ? text : null;
}

/** The element's own text nodes (not its children's), trimmed, empty ones left out. */
export function ownTexts(el: Element): string[] {
  return [...el.childNodes].flatMap((n) => (n.nodeType === Node.TEXT_NODE && n.textContent?.trim() ? [n.textContent.replace(/\s+/g, ' ').trim()] : []));
}

/** A host's word for a kind of phone ("Mobile", "cell", "Home"...) as ours. */
export function phoneTypeOf(word: string | null | undefined): 'mobile' | 'landline' | null {
  if (!word) return null;
  if (/\b(mobile|cell)/i.test(word)) return 'mobile';
  if (/\b(home|landline|work|office)/i.test(word)) return 'landline';
  return null;
}
