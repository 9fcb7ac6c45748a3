import type { Request, RequestHandler, Response } from 'express'

/** Runs an upload middleware (multer's) and resolves to its error, if any, rather than calling back. */
export const receiveUpload = (upload: RequestHandler, req: Request, res: Response) =>
  new Promise<unknown>((resolve) => {
    void upload(req, res, resolve)
  })
