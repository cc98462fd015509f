<?php

use MediaWiki\Extension\Wikicast\EventFactory;
use MediaWiki\Extension\Wikicast\IngestClient;
use MediaWiki\Extension\Wikicast\IngestResult;
use MediaWiki\Extension\Wikicast\Sender;
use MediaWiki\Extension\Wikicast\Settings;

require_once __DIR__ . '/mediawiki-stubs.php';

/** Ingest as a queue of canned answers; records what was posted. */
class ScriptedIngest extends IngestClient {
	/** @var IngestResult[] */
	public $answers = [];
	/** @var array[] */
	public $posted = [];

	public function __construct() {
		// No HTTP: the answers are scripted.
	}

	public function postEvents( array $events ): IngestResult {
		$this->posted[] = $events;
		return array_shift( $this->answers );
	}
}

/**
 * @return array{Sender,ScriptedIngest,JobQueueGroup,RecordingLogger,array,ArrayObject}
 */
function senderFixture( int $maxAttempts = 5, int $unauthorizedHoldS = 3600 ): array {
	$settings = new Settings();
	$settings->secret = 'secret';
	$settings->ingestUrl = 'http://ingest';
	$settings->maxAttempts = $maxAttempts;
	$settings->unauthorizedHoldS = $unauthorizedHoldS;
	$events = new EventFactory( 'demo' );
	$ingest = new ScriptedIngest();
	$jobs = new JobQueueGroup();
	$logger = new RecordingLogger();
	$counts = new ArrayObject();
	$sender = new Sender( $settings, $events, $ingest, $jobs, $logger, static function () {
		return null;
	}, static function ( string $name, int $amount ) use ( $counts ): void {
		$counts[$name] = ( $counts[$name] ?? 0 ) + $amount;
	} );
	$batch = [ $events->seedEvent( 'A', 1 ), $events->seedEvent( 'B', 2 ), $events->seedEvent( 'C', 3 ) ];
	return [ $sender, $ingest, $jobs, $logger, $batch, $counts ];
}

return [
	'an edit\'s recentchange holds the flush (run at the commit, as in a maintenance script) until its PageSaveComplete: one POST' => static function () {
		[ $sender, $ingest, $jobs, , $batch ] = senderFixture();
		DeferredUpdates::$queue = [];
		$ingest->answers = [ new IngestResult( 202, [ 'accepted' => [ $batch[0]['id'], $batch[1]['id'] ] ] ) ];
		$sender->expectPageSave( 7 );
		$sender->publish( $batch[0] );
		DeferredUpdates::run();
		assertSame( $ingest->posted, [], 'nothing sent at the commit' );
		$sender->publish( $batch[1] );
		$sender->pageSaved( 7 );
		DeferredUpdates::run();
		assertSame( array_map( static function ( array $post ): array {
			return array_column( $post, 'id' );
		}, $ingest->posted ), [ [ $batch[0]['id'], $batch[1]['id'] ] ] );
		assertSame( $jobs->pushed, [] );
	},
	'a hold its PageSaveComplete never released is sent at shutdown' => static function () {
		[ $sender, $ingest, , , $batch ] = senderFixture();
		DeferredUpdates::$queue = [];
		$ingest->answers = [ new IngestResult( 202, [ 'accepted' => [ $batch[0]['id'] ] ] ) ];
		$sender->expectPageSave( 8 );
		$sender->publish( $batch[0] );
		DeferredUpdates::run();
		assertSame( $ingest->posted, [] );
		$sender->flushAtShutdown();
		assertSame( count( $ingest->posted ), 1 );
	},
	'a PageSaveComplete that came first leaves nothing to wait for' => static function () {
		[ $sender, $ingest, , , $batch ] = senderFixture();
		DeferredUpdates::$queue = [];
		$ingest->answers = [ new IngestResult( 202, [ 'accepted' => [ $batch[0]['id'] ] ] ) ];
		$sender->pageSaved( 9 );
		$sender->expectPageSave( 9 );
		$sender->publish( $batch[0] );
		DeferredUpdates::run();
		assertSame( count( $ingest->posted ), 1 );
	},
	'a delivered batch is done' => static function () {
		[ $sender, $ingest, $jobs, , $batch ] = senderFixture();
		$ingest->answers = [ new IngestResult( 202, [ 'accepted' => array_column( $batch, 'id' ) ] ) ];
		assertSame( $sender->deliverQueued( $batch, 1 ), true );
		assertSame( $jobs->pushed, [] );
	},
	'unreachable: the whole batch is queued again, same ids, next attempt, with a wait' => static function () {
		[ $sender, $ingest, $jobs, , $batch ] = senderFixture();
		$ingest->answers = [ new IngestResult( 0, null, 'connection refused' ) ];
		assertSame( $sender->deliverQueued( $batch, 1 ), true );
		assertSame( count( $jobs->pushed ), 1 );
		$params = $jobs->pushed[0]->params;
		assertSame( [ $jobs->pushed[0]->type, $params['attempt'] ], [ 'wikicastDeliver', 2 ] );
		assertSame( array_column( $params['events'], 'id' ), array_column( $batch, 'id' ) );
		assertTrue( $params['notBefore'] >= time() && $params['notBefore'] <= time() + 2, 'waits about a second' );
		assertTrue( !isset( $params['jobReleaseTimestamp'] ), 'no delayed job on a queue without delays' );
	},
	'a queue with delayed jobs gets a release timestamp instead' => static function () {
		[ $sender, $ingest, $jobs, , $batch ] = senderFixture();
		$jobs->delays = true;
		$ingest->answers = [ new IngestResult( 503, [ 'code' => 'unavailable' ] ) ];
		$sender->deliverQueued( $batch, 3 );
		$params = $jobs->pushed[0]->params;
		assertTrue( isset( $params['jobReleaseTimestamp'] ) && !isset( $params['notBefore'] ), 'release timestamp' );
		assertTrue( $params['jobReleaseTimestamp'] >= time() + 3, '4 s after the third attempt' );
	},
	'a 503 that confirmed some events retries only the others' => static function () {
		[ $sender, $ingest, $jobs, , $batch ] = senderFixture();
		$ingest->answers = [ new IngestResult( 503, [
			'code' => 'unavailable', 'accepted' => [ $batch[0]['id'] ],
			'unconfirmed' => [ [ 'index' => 1, 'id' => $batch[1]['id'] ], [ 'index' => 2, 'id' => $batch[2]['id'] ] ],
		] ) ];
		$sender->deliverQueued( $batch, 1 );
		assertSame( array_column( $jobs->pushed[0]->params['events'], 'id' ), [ $batch[1]['id'], $batch[2]['id'] ] );
	},
	'429 is retried; other 4xx but 401 are logged, counted and dropped' => static function () {
		[ $sender, $ingest, $jobs, $logger, $batch, $counts ] = senderFixture();
		$ingest->answers = [ new IngestResult( 429, [ 'code' => 'rate_limited' ] ), new IngestResult( 400, [ 'code' => 'invalid_event' ] ) ];
		$sender->deliverQueued( $batch, 1 );
		assertSame( count( $jobs->pushed ), 1, '429 queued' );
		assertSame( $sender->deliverQueued( $batch, 1 ), true );
		assertSame( count( $jobs->pushed ), 1, '400 not queued' );
		assertSame( $logger->lines[count( $logger->lines ) - 1][0], 'error' );
		assertSame( $counts['events_refused'], 3 );
	},
	'401 (a wrong or rotated secret): the batch is held in the queue with a critical log and a count, not dropped' => static function () {
		[ $sender, $ingest, $jobs, $logger, $batch, $counts ] = senderFixture( 2 );
		$ingest->answers = [ new IngestResult( 401, [ 'code' => 'unauthorized', 'message' => 'bad signature' ] ), new IngestResult( 401, [ 'code' => 'unauthorized' ] ) ];
		assertSame( $sender->deliverQueued( $batch, 1 ), true );
		$params = $jobs->pushed[0]->params;
		assertSame( array_column( $params['events'], 'id' ), array_column( $batch, 'id' ) );
		assertTrue( abs( $params['unauthorizedSince'] - time() ) <= 1, 'the hold starts now' );
		assertSame( $logger->lines[count( $logger->lines ) - 1][0], 'critical' );
		assertTrue( strpos( $logger->lines[count( $logger->lines ) - 1][1], '$wgWikicastSecret' ) !== false, 'the log line says what to fix' );
		// Past $wgWikicastMaxAttempts (2) still held: the bound for 401 is time, not attempts.
		assertSame( $sender->deliverQueued( $batch, 2, $params['unauthorizedSince'] ), true );
		assertSame( count( $jobs->pushed ), 2 );
		assertSame( $jobs->pushed[1]->params['unauthorizedSince'], $params['unauthorizedSince'], 'the hold keeps its start' );
		assertSame( $counts['events_held_unauthorized'], 6 );
	},
	'401 past the hold: the events are dropped with a critical log and counted' => static function () {
		[ $sender, $ingest, $jobs, $logger, $batch, $counts ] = senderFixture( 5, 60 );
		$ingest->answers = [ new IngestResult( 401, [ 'code' => 'unauthorized' ] ) ];
		assertSame( $sender->deliverQueued( $batch, 7, time() - 61 ), true );
		assertSame( $jobs->pushed, [] );
		assertSame( $logger->lines[count( $logger->lines ) - 1][0], 'critical' );
		assertSame( $counts['events_dropped_unauthorized'], 3 );
	},
	'once the secret is fixed a held batch is delivered, and the log says how long it waited' => static function () {
		[ $sender, $ingest, $jobs, $logger, $batch ] = senderFixture();
		$ingest->answers = [ new IngestResult( 202, [ 'accepted' => array_column( $batch, 'id' ) ] ) ];
		assertSame( $sender->deliverQueued( $batch, 4, time() - 30 ), true );
		assertSame( $jobs->pushed, [] );
		assertTrue( strpos( $logger->lines[count( $logger->lines ) - 1][1], 'held since' ) !== false, 'logged' );
	},
	'after the last attempt the job is left to the queue (run() returns false)' => static function () {
		[ $sender, $ingest, $jobs, $logger, $batch ] = senderFixture( 3 );
		$ingest->answers = [ new IngestResult( 502, null ) ];
		assertSame( $sender->deliverQueued( $batch, 3 ), false );
		assertSame( $jobs->pushed, [] );
		assertSame( $logger->lines[count( $logger->lines ) - 1][0], 'error' );
	},
];
