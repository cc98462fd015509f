<?php
/**
 * Runs every *-test.php file in this folder. Each file returns a map of test name => callable.
 * Prints one JSON line per test ({file, name, ok, error}) for test/mediawiki/php-unit.test.ts,
 * and exits non-zero if any failed.
 */

declare( strict_types=1 );

require __DIR__ . '/bootstrap.php';

$failed = 0;
foreach ( glob( __DIR__ . '/*-test.php' ) as $file ) {
	$tests = require $file;
	foreach ( $tests as $name => $test ) {
		$error = null;
		try {
			$test();
		} catch ( Throwable $e ) {
			$error = get_class( $e ) . ': ' . $e->getMessage() . ' (' . basename( $e->getFile() ) . ':' . $e->getLine() . ')';
			$failed++;
		}
		echo json_encode( [ 'file' => basename( $file ), 'name' => $name, 'ok' => $error === null, 'error' => $error ] ), "\n";
	}
}
exit( $failed > 0 ? 1 : 0 );
