// An option's code is how its answers are stored and exported, so it is kept exactly as written
// (XLSForm allows `Centro`, `16-29`, `65+`, `3.5`). No spaces (a multiple choice's answers are codes
// separated by spaces in files) and no quotes (conditions quote codes).
const OPTION_CODE = /^[\p{L}\p{N}_.+-]{1,40}$/u

/** Whether `code` may name an option. */
export const isOptionCode = (code: string) => OPTION_CODE.test(code)
