<?php

namespace MediaWiki\Extension\Wikicast\Watch;

use JobQueueGroup;
use JobSpecification;
use MediaWiki\Extension\Wikicast\EventFactory;
use MediaWiki\Extension\Wikicast\Sender;
use MediaWiki\Permissions\PermissionManager;
use MediaWiki\User\UserFactory;
use MediaWiki\User\UserOptionsLookup;
use Title;
use Wikimedia\Rdbms\ILoadBalancer;

/**
 * Watchers are told: when a page changes, every user who watches it (and has not turned the
 * preference off) gets a `watch` event on their own topic, `<wiki>:user:<name>`, with an
 * audience of that user alone; the edges let no one else subscribe there (docs/edge.md). No event
 * names the watchers, so nobody learns who watches what.
 *
 * Computed in a job (WatchersJob), in batches of the watchlist, with one query for the batch's
 * preferences and per-user permission checks only on pages anonymous readers may not read.
 */
class WatcherNotices {
	public const JOB_TYPE = 'wikicastWatchers';
	public const PREFERENCE = 'wikicast-watch-notify';
	public const EVENT_TYPE = 'watch';
	/** Watchlist rows per query, and events per POST to ingest. */
	private const BATCH = 500;

	/** @var ILoadBalancer */
	private $db;
	/** @var UserFactory */
	private $users;
	/** @var UserOptionsLookup */
	private $options;
	/** @var PermissionManager */
	private $permissions;
	/** @var EventFactory */
	private $events;
	/** @var Sender */
	private $sender;
	/** @var JobQueueGroup */
	private $jobs;
	/** @var bool */
	private $watchlistExpiry;

	public function __construct(
		ILoadBalancer $db,
		UserFactory $users,
		UserOptionsLookup $options,
		PermissionManager $permissions,
		EventFactory $events,
		Sender $sender,
		JobQueueGroup $jobs,
		bool $watchlistExpiry
	) {
		$this->db = $db;
		$this->users = $users;
		$this->options = $options;
		$this->permissions = $permissions;
		$this->events = $events;
		$this->sender = $sender;
		$this->jobs = $jobs;
		$this->watchlistExpiry = $watchlistExpiry;
	}

	/**
	 * Queues the job for a change of `$title` by `$editorId` (0: anonymous).
	 *
	 * @param Title $title
	 * @param int $editorId
	 * @param string|null $skipUser a user told otherwise already (the owner of a user talk page)
	 * @param array<string,mixed> $msg the change message, as the page's readers got it
	 */
	public function schedule( Title $title, int $editorId, ?string $skipUser, array $msg ): void {
		$this->jobs->lazyPush( new JobSpecification( self::JOB_TYPE, [
			'namespace' => $title->getNamespace(),
			'dbkey' => $title->getDBkey(),
			'editorId' => $editorId,
			'skipUser' => $skipUser,
			'msg' => $msg,
		] ) );
	}

	/**
	 * @param Title $title
	 * @param int $editorId
	 * @param string|null $skipUser
	 * @param array<string,mixed> $msg
	 * @return int the watchers told
	 */
	public function notify( Title $title, int $editorId, ?string $skipUser, array $msg ): int {
		$public = $this->permissions->userCan( 'read', $this->users->newAnonymous(), $title, PermissionManager::RIGOR_QUICK );
		$told = 0;
		$after = 0;
		do {
			$watchers = $this->watchers( $title, $editorId, $after );
			$ids = array_keys( $watchers );
			// The batch comes in watchlist row order: the next one starts after its last row.
			$last = end( $watchers );
			$after = $last === false ? $after : $last['wl_id'];
			$events = [];
			foreach ( $this->wantNotices( $ids ) as $userId ) {
				$name = $watchers[$userId]['name'];
				if ( $name === $skipUser ) {
					continue;
				}
				if ( !$public && !$this->permissions->userCan( 'read', $this->users->newFromId( $userId ), $title, PermissionManager::RIGOR_QUICK ) ) {
					continue;
				}
				$events[] = $this->events->event( $this->events->topic( 'user:' . $name ), self::EVENT_TYPE, $msg, [
					'audience' => [ 'users' => [ $name ] ],
				] );
			}
			if ( $events !== [] ) {
				// As any batch: what ingest does not take now goes to the job queue and is retried.
				$this->sender->deliverQueued( $events, 1 );
				$told += count( $events );
			}
		} while ( count( $watchers ) === self::BATCH );
		return $told;
	}

	/**
	 * One batch of the page's watchers after watchlist row `$after`, without the editor and
	 * expired watches: user id => [wl_id, name].
	 *
	 * @return array<int,array{wl_id:int,name:string}>
	 */
	private function watchers( Title $title, int $editorId, int $after ): array {
		$dbr = $this->db->getConnection( DB_REPLICA );
		$query = $dbr->newSelectQueryBuilder()
			->select( [ 'wl_id', 'wl_user', 'user_name' ] )
			->from( 'watchlist' )
			->join( 'user', null, 'user_id = wl_user' )
			->where( [ 'wl_namespace' => $title->getNamespace(), 'wl_title' => $title->getDBkey() ] )
			->andWhere( 'wl_id > ' . $after )
			->andWhere( 'wl_user != ' . $editorId )
			->orderBy( 'wl_id' )
			->limit( self::BATCH )
			->caller( __METHOD__ );
		if ( $this->watchlistExpiry ) {
			$query->leftJoin( 'watchlist_expiry', null, 'we_item = wl_id' )
				->andWhere( 'we_expiry IS NULL OR we_expiry > ' . $dbr->addQuotes( $dbr->timestamp() ) );
		}
		$watchers = [];
		foreach ( $query->fetchResultSet() as $row ) {
			$watchers[(int)$row->wl_user] = [ 'wl_id' => (int)$row->wl_id, 'name' => (string)$row->user_name ];
		}
		return $watchers;
	}

	/**
	 * The users among `$ids` whose preference asks for notices: one query for the batch's saved
	 * preferences, the default for the rest.
	 *
	 * @param int[] $ids
	 * @return int[]
	 */
	private function wantNotices( array $ids ): array {
		if ( $ids === [] ) {
			return [];
		}
		$saved = [];
		$rows = $this->db->getConnection( DB_REPLICA )->newSelectQueryBuilder()
			->select( [ 'up_user', 'up_value' ] )
			->from( 'user_properties' )
			->where( [ 'up_property' => self::PREFERENCE, 'up_user' => $ids ] )
			->caller( __METHOD__ )
			->fetchResultSet();
		foreach ( $rows as $row ) {
			$saved[(int)$row->up_user] = (bool)$row->up_value;
		}
		$default = (bool)$this->options->getDefaultOption( self::PREFERENCE );
		return array_values( array_filter( $ids, static function ( int $id ) use ( $saved, $default ): bool {
			return $saved[$id] ?? $default;
		} ) );
	}
}
