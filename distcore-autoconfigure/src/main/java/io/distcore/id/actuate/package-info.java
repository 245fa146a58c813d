/**
 * Actuator support for ids: the {@code ids} endpoint, which describes the generator and decodes snowflake ids.
 */
package io.distcore.id.actuate;
