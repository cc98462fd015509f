<?php
/**
 * Runs the extension's MediaWiki-free classes under plain PHP: a PSR-4 autoloader for
 * packages/mediawiki/includes and a tiny assertion kit. Debian's phpunit is not used because
 * these tests need nothing from it and it would be one more package to install.
 */

declare( strict_types=1 );

const WIKICAST_INCLUDES = __DIR__ . '/../../../packages/mediawiki/includes/';

spl_autoload_register( static function ( string $class ): void {
	$prefix = 'MediaWiki\\Extension\\Wikicast\\';
	if ( strncmp( $class, $prefix, strlen( $prefix ) ) === 0 ) {
		$file = WIKICAST_INCLUDES . str_replace( '\\', '/', substr( $class, strlen( $prefix ) ) ) . '.php';
		if ( is_file( $file ) ) {
			require $file;
		}
	}
} );

final class AssertionFailed extends Exception {
}

/**
 * @param mixed $actual
 * @param mixed $expected
 */
function assertSame( $actual, $expected, string $what = '' ): void {
	if ( $actual !== $expected ) {
		throw new AssertionFailed( ( $what !== '' ? "$what: " : '' ) . 'expected ' . var_export( $expected, true )
			. ', got ' . var_export( $actual, true ) );
	}
}

function assertTrue( bool $condition, string $what ): void {
	if ( !$condition ) {
		throw new AssertionFailed( $what );
	}
}

/**
 * @param callable $fn
 * @param string $class
 * @param string|null $reason for JwtException: its reason code
 */
function assertThrows( callable $fn, string $class, ?string $reason = null ): void {
	try {
		$fn();
	} catch ( Throwable $e ) {
		if ( !( $e instanceof $class ) ) {
			throw new AssertionFailed( "expected $class, got " . get_class( $e ) . ': ' . $e->getMessage() );
		}
		if ( $reason !== null && ( $e->reason ?? null ) !== $reason ) {
			throw new AssertionFailed( "expected reason $reason, got " . ( $e->reason ?? 'none' ) );
		}
		return;
	}
	throw new AssertionFailed( "expected $class to be thrown" );
}
