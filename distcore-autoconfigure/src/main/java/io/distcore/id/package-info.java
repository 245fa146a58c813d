/**
 * Id generation as a user sees it: the {@link io.distcore.id.IdGenerator} bean and its exceptions.
 */
package io.distcore.id;
