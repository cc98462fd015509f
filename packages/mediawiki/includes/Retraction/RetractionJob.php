<?php

namespace MediaWiki\Extension\Wikicast\Retraction;

use GenericParameterJob;
use Job;
use MediaWiki\Extension\Wikicast\Sender;
use MediaWiki\MediaWikiServices;

/** A retraction that ingest did not take yet; see Retractor. */
class RetractionJob extends Job implements GenericParameterJob {
	/**
	 * @param array $params retraction (the request body), attempt, notBefore (Unix seconds)
	 */
	public function __construct( array $params ) {
		parent::__construct( Retractor::JOB_TYPE, $params );
		$this->removeDuplicates = false;
	}

	public function run() {
		$wait = (int)( $this->params['notBefore'] ?? 0 ) - time();
		if ( $wait > 0 ) {
			sleep( min( $wait, Sender::MAX_RETRY_DELAY_S ) );
		}
		/** @var Retractor $retractor */
		$retractor = MediaWikiServices::getInstance()->getService( 'Wikicast.Retractor' );
		$retractor->send( (array)( $this->params['retraction'] ?? [] ), (int)( $this->params['attempt'] ?? 2 ) );
		return true;
	}
}
