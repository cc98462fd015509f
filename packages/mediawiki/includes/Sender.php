<?php

namespace MediaWiki\Extension\Wikicast;

use DeferredUpdates;
use JobQueueGroup;
use JobSpecification;
use Psr\Log\LoggerInterface;
use Throwable;

/**
 * The `Wikicast.Sender` service: collects the events of one request and sends them to ingest
 * as one batch after the response was sent (a POSTSEND deferred update with short HTTP
 * timeouts), so sending never slows or breaks a page save. When ingest cannot be reached or
 * answers 429/5xx, the batch goes to the job queue and is retried with backoff; event ids are
 * kept, so a retry of a batch that did arrive is de-duplicated downstream. A 401 (the wiki's
 * secret is wrong, or was rotated in the wikis file first) is an operator's mistake to fix, not a
 * reason to lose events: such batches are held in the job queue for $wgWikicastUnauthorizedHold
 * seconds, with a critical log line and a statsd count on every attempt.
 *
 * One edit is one POST: its recentchange event is queued inside the edit's database transaction
 * and its page event in the PageSaveComplete hook after the commit. In a web request both land
 * before the POSTSEND flush; in a maintenance script MediaWiki runs deferred updates as soon as a
 * transaction commits, which would send the recentchange alone. So the recentchange of an edit
 * holds the flush until that revision's PageSaveComplete (expectPageSave/pageSaved), and a
 * shutdown function sends whatever a hold that was never released kept back.
 */
class Sender {
	public const JOB_TYPE = 'wikicastDeliver';
	/** Events per POST; ingest takes arrays, and this keeps one body well under its size limit. */
	public const BATCH_SIZE = 50;
	/** Retry delays double from 1 s up to this. */
	public const MAX_RETRY_DELAY_S = 30;

	/** @var Settings */
	private $settings;
	/** @var EventFactory */
	private $events;
	/** @var IngestClient */
	private $ingest;
	/** @var JobQueueGroup */
	private $jobs;
	/** @var LoggerInterface */
	private $logger;
	/** @var callable(): ?string */
	private $currentClientId;
	/** @var callable(string,int): void counts in the wiki's statsd (`wikicast.<name>`) */
	private $count;
	/** @var array<int,array<string,mixed>> */
	private $pending = [];
	/** @var bool */
	private $flushScheduled = false;
	/** @var bool */
	private $warnedDisabled = false;
	/** @var array<int,true> revisions whose PageSaveComplete hold this request's flush back */
	private $awaitedSaves = [];
	/** @var array<int,true> revisions whose PageSaveComplete ran in this request */
	private $completedSaves = [];
	/** @var bool */
	private $shutdownFlushRegistered = false;

	/**
	 * @param Settings $settings
	 * @param EventFactory $events
	 * @param IngestClient $ingest
	 * @param JobQueueGroup $jobs
	 * @param LoggerInterface $logger
	 * @param callable $currentClientId the client id of the browser session making this request, or null
	 * @param callable $count adds to a counter of the wiki's statsd: (name, amount)
	 */
	public function __construct(
		Settings $settings,
		EventFactory $events,
		IngestClient $ingest,
		JobQueueGroup $jobs,
		LoggerInterface $logger,
		callable $currentClientId,
		callable $count
	) {
		$this->settings = $settings;
		$this->events = $events;
		$this->ingest = $ingest;
		$this->jobs = $jobs;
		$this->logger = $logger;
		$this->currentClientId = $currentClientId;
		$this->count = $count;
	}

	public function getEventFactory(): EventFactory {
		return $this->events;
	}

	/** The client id of the browser session making this request (null in maintenance scripts). */
	public function currentClientId(): ?string {
		return ( $this->currentClientId )();
	}

	/**
	 * The seed's `WebSocket::send( $type, $msg, $to = false )`: a message to every subscriber of
	 * `$type` (or only to the client ids in `$to`), marked as coming from this request's client.
	 *
	 * @param string $type a bare event name, or `wsWikiID` + name
	 * @param mixed $msg anything JSON can encode
	 * @param string|string[]|false $to
	 * @return string the event id
	 */
	public function send( $type, $msg, $to = false ): string {
		$event = $this->events->seedEvent( (string)$type, $msg, $to, $this->currentClientId() );
		$this->publish( $event );
		return $event['id'];
	}

	/**
	 * Queues a complete event for this request's batch.
	 *
	 * @param array<string,mixed> $event
	 */
	public function publish( array $event ): void {
		if ( !$this->settings->isEnabled() ) {
			if ( !$this->warnedDisabled ) {
				$this->warnedDisabled = true;
				$this->logger->warning( 'Wikicast is not configured ($wgWikicastSecret, $wgWikicastIngestUrl): events dropped' );
			}
			return;
		}
		$this->pending[] = $event;
		$this->scheduleFlush();
	}

	/** One flush after the response for what is queued, however many events are added before it runs. */
	private function scheduleFlush(): void {
		if ( !$this->flushScheduled ) {
			$this->flushScheduled = true;
			DeferredUpdates::addCallableUpdate( [ $this, 'flush' ], DeferredUpdates::POSTSEND );
		}
	}

	/**
	 * The recentchange of revision `$revisionId` was queued and the same edit's PageSaveComplete
	 * is still to come: send nothing until pageSaved( $revisionId ).
	 */
	public function expectPageSave( int $revisionId ): void {
		if ( isset( $this->completedSaves[$revisionId] ) ) {
			// A MediaWiki that runs PageSaveComplete first: nothing left to wait for.
			return;
		}
		$this->awaitedSaves[$revisionId] = true;
		if ( !$this->shutdownFlushRegistered ) {
			$this->shutdownFlushRegistered = true;
			// A save that fails after its recentchange was queued never releases the hold.
			register_shutdown_function( [ $this, 'flushAtShutdown' ] );
		}
	}

	/** PageSaveComplete ran for `$revisionId` (its events, if any, are queued): the hold is over. */
	public function pageSaved( int $revisionId ): void {
		$this->completedSaves[$revisionId] = true;
		unset( $this->awaitedSaves[$revisionId] );
		if ( $this->awaitedSaves === [] && $this->pending !== [] ) {
			$this->scheduleFlush();
		}
	}

	/** Sends what a hold kept back when the request ends without releasing it. */
	public function flushAtShutdown(): void {
		$this->awaitedSaves = [];
		if ( $this->pending !== [] ) {
			$this->flush();
		}
	}

	/** Sends what this request queued; what cannot be delivered now goes to the job queue. */
	public function flush(): void {
		if ( $this->awaitedSaves !== [] ) {
			// Held for the rest of an edit: pageSaved() schedules the flush again.
			$this->flushScheduled = false;
			return;
		}
		$batch = $this->pending;
		$this->pending = [];
		$this->flushScheduled = false;
		foreach ( array_chunk( $batch, self::BATCH_SIZE ) as $chunk ) {
			[ $left, $unauthorized ] = $this->attempt( $chunk );
			if ( $left !== [] ) {
				$this->enqueue( $left, 1, $unauthorized ? time() : null );
			}
		}
	}

	/**
	 * One delivery attempt of a queued batch (DeliveryJob::run).
	 *
	 * @param array<int,array<string,mixed>> $events
	 * @param int $attempt 1 for the first retry from the queue
	 * @param int|null $unauthorizedSince when ingest first refused this batch with 401 (Unix seconds)
	 * @return bool false: give up on this job and leave it to the queue's own retry policy
	 */
	public function deliverQueued( array $events, int $attempt, ?int $unauthorizedSince = null ): bool {
		[ $left, $unauthorized ] = $this->attempt( $events );
		if ( $left === [] ) {
			if ( $unauthorizedSince !== null ) {
				$this->logger->warning( 'Wikicast delivered {count} events held since ingest refused the wiki\'s secret {seconds} s ago', [
					'count' => count( $events ), 'seconds' => time() - $unauthorizedSince,
				] );
			}
			return true;
		}
		$events = $left;
		if ( $unauthorized ) {
			$since = $unauthorizedSince ?? time();
			if ( time() - $since >= $this->settings->unauthorizedHoldS ) {
				$this->logger->critical( 'Wikicast dropped {count} events: ingest refused the wiki\'s secret (401) for {seconds} s ($wgWikicastUnauthorizedHold)', [
					'count' => count( $events ), 'seconds' => time() - $since,
				] );
				( $this->count )( 'events_dropped_unauthorized', count( $events ) );
				return true;
			}
			$this->enqueue( $events, $attempt + 1, $since );
			return true;
		}
		if ( $this->settings->maxAttempts > 0 && $attempt >= $this->settings->maxAttempts ) {
			$this->logger->error( 'Wikicast gave up after {attempt} attempts for {count} events', [
				'attempt' => $attempt, 'count' => count( $events ),
			] );
			return false;
		}
		$this->enqueue( $events, $attempt + 1 );
		return true;
	}

	/** Seconds to wait before retry number `$attempt`: 1, 2, 4 … capped. */
	public static function retryDelayS( int $attempt ): int {
		return (int)min( self::MAX_RETRY_DELAY_S, 2 ** max( 0, $attempt - 1 ) );
	}

	/**
	 * @param array<int,array<string,mixed>> $events
	 * @return array{0:array<int,array<string,mixed>>,1:bool} the events to try again later (none:
	 *   done with all), and whether ingest refused the wiki's credentials (401)
	 */
	private function attempt( array $events ): array {
		try {
			$result = $this->ingest->postEvents( $events );
		} catch ( Throwable $e ) {
			// Sending must never break the request: an unexpected failure is a retry.
			$this->logger->error( 'Wikicast could not send events: {message}', [ 'exception' => $e, 'message' => $e->getMessage() ] );
			return [ $events, false ];
		}
		if ( $result->ok ) {
			return [ [], false ];
		}
		if ( $result->unauthorized ) {
			$this->logger->critical(
				'Wikicast ingest refuses this wiki\'s secret (401: {message}): {count} events held in the job queue, ' .
				'dropped after $wgWikicastUnauthorizedHold s; make $wgWikicastSecret match the wiki\'s entry in the wikis file',
				[ 'message' => $result->body['message'] ?? $result->error, 'count' => count( $events ) ]
			);
			( $this->count )( 'events_held_unauthorized', count( $events ) );
			return [ $events, true ];
		}
		if ( $result->retryable ) {
			// A 503 may list events RabbitMQ did confirm; the rest are retried with the same ids.
			$confirmed = array_flip( array_filter( (array)( $result->body['accepted'] ?? [] ), 'is_string' ) );
			$left = array_values( array_filter( $events, static function ( array $event ) use ( $confirmed ): bool {
				return !isset( $confirmed[$event['id']] );
			} ) );
			$this->logger->warning( 'Wikicast ingest unavailable ({status} {error}); {count} events queued for retry', [
				'status' => $result->status, 'error' => $result->error, 'count' => count( $left ),
			] );
			return [ $left, false ];
		}
		// Other 4xx: the same request would be refused again (invalid events, another wiki's topic).
		$this->logger->error( 'Wikicast ingest refused {count} events: {status} {body}', [
			'status' => $result->status, 'body' => json_encode( $result->body ), 'count' => count( $events ),
		] );
		( $this->count )( 'events_refused', count( $events ) );
		return [ [], false ];
	}

	/**
	 * @param array<int,array<string,mixed>> $events
	 * @param int $attempt
	 * @param int|null $unauthorizedSince see deliverQueued
	 */
	private function enqueue( array $events, int $attempt, ?int $unauthorizedSince = null ): void {
		$params = [ 'events' => $events, 'attempt' => $attempt ];
		if ( $unauthorizedSince !== null ) {
			$params['unauthorizedSince'] = $unauthorizedSince;
		}
		if ( $attempt > 1 ) {
			$releaseAt = time() + self::retryDelayS( $attempt - 1 );
			if ( $this->jobs->get( self::JOB_TYPE )->delayedJobsEnabled() ) {
				$params['jobReleaseTimestamp'] = $releaseAt;
			} else {
				// Queues without delayed jobs (the database queue): the job waits itself.
				$params['notBefore'] = $releaseAt;
			}
		}
		$this->jobs->push( new JobSpecification( self::JOB_TYPE, $params ) );
	}
}
