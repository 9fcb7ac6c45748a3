// NUL (which PostgreSQL cannot store in text), the other control characters but tab and line breaks
// (nobody types them), and the noncharacters U+FFFE and U+FFFF. Lone surrogates never arrive: bodies
// must be valid UTF-8 (middleware/form-body.ts) and JSON files are read from UTF-8 too.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSTORABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/

/** The text with each such character replaced by U+FFFD (kept for showing back, never as an answer). */
export const replaceUnstorable = (text: string) => text.replace(new RegExp(UNSTORABLE.source, 'g'), '\ufffd')

/** Whether a text holds a character no field or answer may store. */
export const hasUnstorableCharacters = (text: string) => UNSTORABLE.test(text)
