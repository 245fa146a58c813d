/**
 * Auto-configuration of id generation: properties, generator selection and worker-id leasing.
 */
package io.distcore.id.autoconfigure;
