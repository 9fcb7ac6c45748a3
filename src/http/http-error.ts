/** An error a person caused or can understand; `messageKey` names its localized explanation under `pages.`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly messageKey:
      | 'notFound'
      | 'badRequest'
      | 'csrf'
      | 'tooManyRequests'
      | 'payloadTooLarge'
      | 'forbidden'
      | 'unauthorized'
      | 'invitationOnly'
      | 'paperTaken',
  ) {
    super(messageKey)
  }
}
