import type { Response } from 'express'

/**
 * Renders a view inside the page layout (or `layout`, e.g. the light one of beneficiaries' pages);
 * `title` is the page's own title, before the site name.
 */
/** The page's HTML, rendered inside its layout, for a page kept in memory (see page-cache.ts). */
export function renderPageHtml(
  res: Response,
  view: string,
  model: Record<string, unknown> & { title: string; layout?: 'layouts/page' | 'layouts/light' },
): Promise<string> {
  return new Promise((resolve, reject) =>
    res.render(view, model, (error: Error | null, body?: string) => {
      if (error) return reject(error)
      res.render(model.layout ?? 'layouts/page', { ...model, body }, (layoutError, html?: string) =>
        layoutError ? reject(layoutError) : resolve(html!),
      )
    }),
  )
}

export function renderPage(
  res: Response,
  view: string,
  model: Record<string, unknown> & { title: string; layout?: 'layouts/page' | 'layouts/light' },
  status = 200,
  onError: (error: Error) => void = (error) => res.req.next?.(error),
): void {
  // After Post/Redirect/Get, the page a save redirected to (`?saved=1`) says that it was saved.
  const savedNotice = status === 200 && res.req.method === 'GET' && res.req.query.saved === '1'
  res.render(view, model, (error: Error | null, body?: string) => {
    if (error) return onError(error)
    res.render(
      model.layout ?? 'layouts/page',
      { ...model, body, savedNotice },
      (layoutError: Error | null, html?: string) => {
        if (layoutError) return onError(layoutError)
        res.status(status).send(html)
      },
    )
  })
}
