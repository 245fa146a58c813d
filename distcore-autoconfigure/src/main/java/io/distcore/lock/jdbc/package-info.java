/**
 * The JDBC lock backend: one row per lock in a table of the application's database.
 */
package io.distcore.lock.jdbc;
