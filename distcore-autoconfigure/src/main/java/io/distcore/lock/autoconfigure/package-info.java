/**
 * Auto-configuration of distributed locks: properties, backend selection and one configuration per backend.
 */
package io.distcore.lock.autoconfigure;
