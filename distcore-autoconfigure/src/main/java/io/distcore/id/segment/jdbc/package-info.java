/**
 * Id segments reserved from one row per tag in a table of the application's database.
 */
package io.distcore.id.segment.jdbc;
