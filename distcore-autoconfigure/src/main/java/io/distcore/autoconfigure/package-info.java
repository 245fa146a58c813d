/**
 * Auto-configuration of what every distcore capability shares.
 */
package io.distcore.autoconfigure;
