import type { Db } from '../db/database.ts'

export async function insertToken(
  db: Db,
  token: { userId: number; name: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('api_token')
    .values({
      user_id: token.userId,
      name: token.name,
      token_hash: token.tokenHash,
      expires_at: token.expiresAt,
    })
    .execute()
}

export async function listTokens(db: Db, userId: number) {
  return db
    .selectFrom('api_token')
    .select([
      'id',
      'name',
      'created_at as createdAt',
      'expires_at as expiresAt',
      'revoked_at as revokedAt',
      'last_used_at as lastUsedAt',
    ])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute()
}

/** Revokes one of the user's own tokens; true when there was one to revoke. */
export async function revokeToken(db: Db, userId: number, id: number, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('api_token')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  return row !== undefined
}

/** The user a live token (not revoked, not expired) belongs to, noting its use. */
export async function useToken(db: Db, tokenHash: string, now: Date): Promise<number | undefined> {
  const row = await db
    .updateTable('api_token')
    .set({ last_used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst()
  return row?.user_id
}
