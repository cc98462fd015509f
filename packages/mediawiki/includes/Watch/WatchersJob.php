<?php

namespace MediaWiki\Extension\Wikicast\Watch;

use GenericParameterJob;
use Job;
use MediaWiki\MediaWikiServices;
use Title;

/**
 * Tells the watchers of a page that it changed (see WatcherNotices), in the job queue so that
 * saving a page with thousands of watchers costs the save nothing but this job.
 */
class WatchersJob extends Job implements GenericParameterJob {
	/**
	 * @param array $params namespace, dbkey, editorId, skipUser (a name, or null), msg (the change)
	 */
	public function __construct( array $params ) {
		parent::__construct( WatcherNotices::JOB_TYPE, $params );
	}

	public function run() {
		/** @var WatcherNotices $notices */
		$notices = MediaWikiServices::getInstance()->getService( 'Wikicast.WatcherNotices' );
		$notices->notify(
			Title::makeTitle( (int)$this->params['namespace'], (string)$this->params['dbkey'] ),
			(int)( $this->params['editorId'] ?? 0 ),
			$this->params['skipUser'] ?? null,
			(array)( $this->params['msg'] ?? [] )
		);
		return true;
	}
}
