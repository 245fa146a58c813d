/**
 * Real services for distcore's tests: local servers when reachable, Testcontainers when Docker is
 * available, otherwise a failure that says what to start.
 */
package io.distcore.test;
