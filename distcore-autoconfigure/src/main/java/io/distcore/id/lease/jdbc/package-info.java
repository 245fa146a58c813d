/**
 * Worker id leases kept as rows of one table in the application's database, judged by the database clock.
 */
package io.distcore.id.lease.jdbc;
