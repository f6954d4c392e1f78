/** `POST|DELETE /api/v1/persons/:id/picture` (multipart field `file`); bytes are served by `GET /pipedrive/pictures/:id`. */
import { ApiRoutes, idParam } from './api-context';
import type { EmulatorDeps } from './emulator-deps';
import { parseMultipart } from '../lib/multipart';
import { ApiFailure } from './store';
import type { Picture } from './types';
import { ok, v1Time } from './wire-format';

const MAX_PICTURE_BYTES = 10 * 1024 * 1024;

export function pictureUrl(baseUrl: string, pictureId: number): string {
  return `${baseUrl}/pipedrive/pictures/${pictureId}`;
}

export function serializePicture(baseUrl: string, picture: Picture): Record<string, unknown> {
  const url = pictureUrl(baseUrl, picture.id);
  return {
    id: picture.id,
    item_type: 'person',
    item_id: picture.personId,
    active_flag: true,
    add_time: v1Time(picture.add_time),
    update_time: v1Time(picture.add_time),
    added_by_user_id: picture.addedByUserId,
    file_size: Buffer.byteLength(picture.base64, 'base64'),
    pictures: { '128': url, '512': url },
  };
}

export function registerPictureRoutes(api: ApiRoutes, { store, ctx }: EmulatorDeps): void {
  const visiblePerson = (companyId: number, id: number, userId: number) => {
    const person = store.person(companyId, id);
    const user = store.user(userId)!;
    if (!person || person.is_deleted || !store.canSee(user, person)) throw new ApiFailure(404, 'Person not found');
  };

  api.add('POST', '/api/v1/persons/:id/picture', (req, caller) => {
    const id = idParam(req);
    visiblePerson(caller.company.id, id, caller.user.id);
    const parts = parseMultipart(req.body, req.headers['content-type']);
    if (!parts) throw new ApiFailure(400, 'Request must be multipart/form-data with a file field.');
    const file = parts.find((p) => p.name === 'file');
    if (!file || !file.data.length) throw new ApiFailure(400, 'file is required.');
    if (!file.contentType.startsWith('image/')) throw new ApiFailure(400, 'file must be an image (jpeg, png, gif).');
    if (file.data.length > MAX_PICTURE_BYTES) throw new ApiFailure(400, 'file is too large.');
    const picture = store.setPersonPicture(caller.company.id, id, { contentType: file.contentType, fileName: file.fileName ?? 'picture', bytes: file.data }, { userId: caller.user.id, source: 'api' });
    return ok(serializePicture(ctx.baseUrl, picture));
  });

  api.add('DELETE', '/api/v1/persons/:id/picture', (req, caller) => {
    const id = idParam(req);
    visiblePerson(caller.company.id, id, caller.user.id);
    const pictureId = store.person(caller.company.id, id)!.picture_id;
    store.removePersonPicture(caller.company.id, id, { userId: caller.user.id, source: 'api' });
    return ok({ id: pictureId });
  });
}
