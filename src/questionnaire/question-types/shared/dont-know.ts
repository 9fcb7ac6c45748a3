/** The "don't know" option the yes/no and 5-point questions start with (left out of means). */
export const dontKnow = {
  code: 'dont_know',
  label: { es: 'No sabe', fr: 'Ne sait pas', pt: 'Não sabe' },
}
