<?php

namespace MediaWiki\Extension\Wikicast;

use GenericParameterJob;
use Job;
use MediaWiki\MediaWikiServices;

/** A batch of events that ingest did not take yet; see Sender. */
class DeliveryJob extends Job implements GenericParameterJob {
	/** A job never holds a runner longer than this while waiting for its retry time. */
	private const MAX_WAIT_S = Sender::MAX_RETRY_DELAY_S;

	/**
	 * @param array $params events, attempt, notBefore (Unix seconds) on queues without delays, and
	 *   unauthorizedSince (Unix seconds) while ingest refuses the wiki's secret
	 */
	public function __construct( array $params ) {
		parent::__construct( Sender::JOB_TYPE, $params );
		// Each failed attempt pushes its successor itself, with its own delay.
		$this->removeDuplicates = false;
	}

	public function run() {
		$wait = (int)( $this->params['notBefore'] ?? 0 ) - time();
		if ( $wait > 0 ) {
			sleep( min( $wait, self::MAX_WAIT_S ) );
		}
		/** @var Sender $sender */
		$sender = MediaWikiServices::getInstance()->getService( 'Wikicast.Sender' );
		$since = $this->params['unauthorizedSince'] ?? null;
		return $sender->deliverQueued( $this->params['events'] ?? [], (int)( $this->params['attempt'] ?? 1 ), $since === null ? null : (int)$since );
	}
}
