/**
 * The one import of the patch script renderer used by the composer and the preview, so they can be
 * pointed at another renderer in one place.
 */
export { renderPatchScript } from './script.ts';
