// Characters that no name or text a person types needs, and that break or disguise it wherever it
// is shown (emails, logs, UIs, the audit log): control characters (C0, DEL, C1), the Unicode line
// and paragraph separators, and the invisible controls of text direction (U+202A–U+202E,
// U+2066–U+2069), with which "Ada\u202Egnp.exe" is displayed as "Adaexe.png".

const IN_A_LINE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
// The same, except line breaks and tabs.
const IN_TEXT = /(?![\n\r\t])[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** Whether `value` has a control, separator or text-direction character; `lineBreaks` allows \n, \r and \t (multi-line text). */
export function hasUnsafeCharacters(value: string, options: { lineBreaks?: boolean } = {}): boolean {
  return (options.lineBreaks ? IN_TEXT : IN_A_LINE).test(value);
}

/** What a field violation says of such a value. */
export const UNSAFE_CHARACTERS = "must not contain control or text-direction characters";

/** The same for multi-line text. */
export const UNSAFE_CHARACTERS_IN_TEXT = "must not contain control or text-direction characters other than line breaks and tabs";
