/**
 * Id segments reserved from one Redis counter per tag.
 */
package io.distcore.id.segment.redis;
