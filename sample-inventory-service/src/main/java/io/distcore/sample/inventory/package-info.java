/**
 * Sample inventory service: stock per SKU, restocked by operators and deducted by the order service.
 */
package io.distcore.sample.inventory;
