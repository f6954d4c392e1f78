/** A Teamleader API error: rendered as `{ "errors": [ { "title": … } ] }` with the given status. */
export class TeamleaderError extends Error {
  constructor(
    public readonly status: 400 | 401 | 403 | 404 | 409 | 429 | 500,
    title: string,
  ) {
    super(title);
  }
}

export const badRequest = (title: string) => new TeamleaderError(400, title);
export const notFound = (title: string) => new TeamleaderError(404, title);
export const forbidden = (title: string) => new TeamleaderError(403, title);
