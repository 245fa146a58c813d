/**
 * How lock failures are answered in web requests: problem details for Spring MVC.
 */
package io.distcore.lock.web;
